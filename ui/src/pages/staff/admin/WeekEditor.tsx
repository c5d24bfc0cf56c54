import { ActionIcon, Box, Button, Group, Paper, Select, Stack, Table, Text, Tooltip, VisuallyHidden } from '@mantine/core';
import { TimeInput } from '@mantine/dates';
import type { Availability, Slot } from './experts';

/** Monday first, as people read a week; the API's days are Sunday first (Date#getDay). */
const WEEK = [
  { index: 1, name: 'Monday' },
  { index: 2, name: 'Tuesday' },
  { index: 3, name: 'Wednesday' },
  { index: 4, name: 'Thursday' },
  { index: 5, name: 'Friday' },
  { index: 6, name: 'Saturday' },
  { index: 0, name: 'Sunday' },
];

// The browser's list of zones leaves out UTC itself; the API takes it.
const ZONES: string[] = (() => {
  try {
    return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  } catch {
    return ['UTC'];
  }
})();

export const OFFICE_HOURS: Availability = {
  timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
  days: [0, 1, 2, 3, 4, 5, 6].map((d) => (d === 0 || d === 6 ? [] : [{ from: '08:00', to: '17:00' }])),
};

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

export function hoursText(slots: readonly Slot[]): string {
  return slots.length === 0 ? 'off' : slots.map((s) => `${s.from}–${s.to}`).join(', ');
}

/**
 * The weekly working hours as a week: each day a strip of the 24 hours with its slots drawn on
 * it, and the slots as time pickers to change, add or remove. A preset fills office hours.
 */
export function WeekEditor({ value, onChange }: { value: Availability; onChange: (value: Availability) => void }) {
  const setDay = (index: number, slots: Slot[]) => onChange({ ...value, days: value.days.map((d, i) => (i === index ? slots : d)) });
  const copyToWeekdays = (index: number) => onChange({ ...value, days: value.days.map((d, i) => (i >= 1 && i <= 5 ? value.days[index]!.map((s) => ({ ...s })) : d)) });
  return (
    <Stack gap="xs">
      <Group align="flex-end">
        <Select label="Time zone of the hours" data={ZONES.includes(value.timeZone) ? ZONES : [value.timeZone, ...ZONES]} value={value.timeZone} onChange={(zone) => zone && onChange({ ...value, timeZone: zone })} searchable allowDeselect={false} w={260} />
        <Button variant="default" onClick={() => onChange({ ...OFFICE_HOURS, timeZone: value.timeZone })}>
          Office hours (Mon–Fri 08:00–17:00)
        </Button>
      </Group>
      <Paper withBorder p="xs">
        <Table verticalSpacing={4} data-testid="week">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={110}>Day</Table.Th>
              <Table.Th>Hours</Table.Th>
              <Table.Th w="40%">
                <HourScale />
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {WEEK.map(({ index, name }) => (
              <Table.Tr key={index}>
                <Table.Th scope="row">{name}</Table.Th>
                <Table.Td>
                  <DaySlots name={name} slots={value.days[index] ?? []} onChange={(slots) => setDay(index, slots)} onCopy={index === 1 ? () => copyToWeekdays(1) : undefined} />
                </Table.Td>
                <Table.Td>
                  <DayStrip slots={value.days[index] ?? []} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}

function DaySlots({ name, slots, onChange, onCopy }: { name: string; slots: Slot[]; onChange: (slots: Slot[]) => void; onCopy: (() => void) | undefined }) {
  const set = (i: number, slot: Slot) => onChange(slots.map((s, j) => (j === i ? slot : s)));
  const last = slots[slots.length - 1];
  // A new slot follows the last one (an afternoon after a morning), else a working day.
  const next: Slot = last ? { from: last.to === '24:00' ? '23:00' : last.to, to: last.to >= '23:00' ? '24:00' : `${String(Math.min(24, minutes(last.to) / 60 + 4)).padStart(2, '0')}:00` } : { from: '08:00', to: '17:00' };
  return (
    <Stack gap={4}>
      {slots.length === 0 && (
        <Text size="sm" c="dimmed">
          Not working
        </Text>
      )}
      {slots.map((slot, i) => (
        <Group key={i} gap={6} wrap="nowrap">
          <TimeInput size="xs" aria-label={`${name} from, slot ${i + 1}`} value={slot.from} onChange={(e) => set(i, { ...slot, from: e.currentTarget.value })} w={110} />
          <Text size="sm" aria-hidden>
            –
          </Text>
          <TimeInput size="xs" aria-label={`${name} until, slot ${i + 1}`} value={slot.to === '24:00' ? '23:59' : slot.to} onChange={(e) => set(i, { ...slot, to: e.currentTarget.value === '23:59' ? '24:00' : e.currentTarget.value })} w={110} />
          <Tooltip label="Remove these hours">
            <ActionIcon variant="subtle" color="red" aria-label={`Remove ${name} ${slot.from}–${slot.to}`} onClick={() => onChange(slots.filter((_, j) => j !== i))}>
              ×
            </ActionIcon>
          </Tooltip>
        </Group>
      ))}
      <Group gap={6}>
        <Button size="compact-xs" variant="subtle" onClick={() => onChange([...slots, next])} aria-label={`Add hours on ${name}`}>
          + hours
        </Button>
        {onCopy && (
          <Button size="compact-xs" variant="subtle" onClick={onCopy}>
            Same on every weekday
          </Button>
        )}
      </Group>
    </Stack>
  );
}

/** The day's 24 hours with its working slots drawn on them (the hours are read from the pickers beside it). */
function DayStrip({ slots }: { slots: readonly Slot[] }) {
  return (
    <Box pos="relative" h={18} bg="gray.1" style={{ borderRadius: 4 }} aria-hidden>
      {slots.map((s, i) => {
        const from = minutes(s.from);
        const to = Math.max(from, minutes(s.to));
        return <Box key={i} pos="absolute" top={0} bottom={0} bg="indigo.7" style={{ left: `${(from / 1440) * 100}%`, width: `${((to - from) / 1440) * 100}%`, borderRadius: 4 }} />;
      })}
    </Box>
  );
}

function HourScale() {
  return (
    <Group justify="space-between" gap={0}>
      <VisuallyHidden>The day drawn from 0 to 24 hours</VisuallyHidden>
      {[0, 6, 12, 18, 24].map((h) => (
        <Text key={h} size="xs" c="dimmed" aria-hidden>
          {String(h).padStart(2, '0')}
        </Text>
      ))}
    </Group>
  );
}
