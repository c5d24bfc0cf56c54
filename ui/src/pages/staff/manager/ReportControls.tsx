import { Alert, Button, Card, Group, Stack, Text } from '@mantine/core';
import { DateInput, TimeInput } from '@mantine/dates';
import dayjs from 'dayjs';
import { FormEvent, useEffect, useState } from 'react';
import { when } from '../../format';
import { ReportView } from './reports';

const QUICK = [
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: 'A year' },
];

/** The range of days the dashboards cover: a few usual ones at a click, or any from–to. */
export function RangePicker({ view, onChange }: { view: ReportView; onChange: (change: Partial<ReportView>) => void }) {
  const [from, setFrom] = useState<string | null>(view.from);
  const [to, setTo] = useState<string | null>(view.to);
  useEffect(() => {
    setFrom(view.from);
    setTo(view.to);
  }, [view.from, view.to]);
  const days = dayjs(view.to).diff(view.from, 'day') + 1;
  const quick = QUICK.find((q) => Number(q.value) === days && view.to === dayjs().format('YYYY-MM-DD'))?.value ?? '';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // Left empty: the last 30 days up to `to`, or up to today. A bad range gets the API's words.
    onChange({ from: from ?? null, to: to ?? null } as Partial<ReportView>);
  };
  return (
    <form onSubmit={submit} aria-label="Range of days">
      <Group align="flex-end" gap="sm" wrap="wrap">
        <Button.Group aria-label="The last days up to today">
          {QUICK.map((q) => (
            <Button
              key={q.value}
              variant={quick === q.value ? 'filled' : 'default'}
              aria-pressed={quick === q.value}
              onClick={() => {
                const today = dayjs().format('YYYY-MM-DD');
                onChange({ to: today, from: dayjs(today).subtract(Number(q.value) - 1, 'day').format('YYYY-MM-DD') });
              }}
            >
              {q.label}
            </Button>
          ))}
        </Button.Group>
        <DateInput label="From" valueFormat="YYYY-MM-DD" value={from} onChange={setFrom} w={140} />
        <DateInput label="To" valueFormat="YYYY-MM-DD" value={to} onChange={setTo} w={140} />
        <Button type="submit" variant="light">
          Show these days
        </Button>
      </Group>
    </form>
  );
}

/** A past moment to see the dashboards as they were then (an audit), or back to the live figures. */
export function AsOfPicker({ view, onChange }: { view: ReportView; onChange: (change: Partial<ReportView>) => void }) {
  const [day, setDay] = useState<string | null>(view.asOf ? dayjs(view.asOf).format('YYYY-MM-DD') : null);
  const [time, setTime] = useState(view.asOf ? dayjs(view.asOf).format('HH:mm:ss') : '23:59:59');
  const [missing, setMissing] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setMissing(!day);
    if (!day) return;
    // The moment on the manager's own clock, to the second (all of it included).
    const moment = dayjs(`${day}T${time || '23:59:59'}`).endOf('second');
    onChange({ asOf: moment.toISOString() });
  };
  return (
    <Stack gap="xs">
      <form onSubmit={submit} aria-label="As of a past moment">
        <Group align="flex-end" gap="sm" wrap="wrap">
          <DateInput label="As of day" valueFormat="YYYY-MM-DD" value={day} onChange={setDay} w={140} error={missing ? 'Pick a day' : undefined} />
          <TimeInput label="Time" withSeconds value={time} onChange={(e) => setTime(e.currentTarget.value)} w={130} />
          <Button type="submit" variant="light">
            Show as of then
          </Button>
        </Group>
      </form>
      {view.asOf && (
        <Alert color="yellow" title={`As of ${when(view.asOf)}`} data-testid="as-of-banner">
          <Group justify="space-between" gap="xs">
            <Text size="sm">The figures as the reports held them at that moment, rebuilt from the events recorded until then. They do not change.</Text>
            <Button size="compact-sm" variant="filled" color="dark" onClick={() => onChange({ asOf: null })}>
              Back to live figures
            </Button>
          </Group>
        </Alert>
      )}
    </Stack>
  );
}

export function ReportControls({ view, onChange }: { view: ReportView; onChange: (change: Partial<ReportView>) => void }) {
  return (
    <Card withBorder>
      <Stack gap="sm">
        <RangePicker view={view} onChange={onChange} />
        <AsOfPicker view={view} onChange={onChange} />
      </Stack>
    </Card>
  );
}
