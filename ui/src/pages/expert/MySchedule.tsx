import { ActionIcon, Alert, Badge, Button, Card, Group, Loader, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { api, must } from '../../api/client';
import type { Answer } from '../../api/answers';
import { SignedIn } from '../../auth/session';
import { useOnline, useOutbox } from '../../offline/OfflineProvider';
import { useQueued } from '../../offline/outbox';
import { timeOfDay, when } from '../format';
import { statusColor } from '../status';
import { useCommand } from './command';
import { pendingStatus } from './pending';
import { ProblemAlert } from './ProblemAlert';
import { addDays, dayTitle, sameDay, shortDay, startOfDay, startOfWeek } from './time';

type Schedule = Answer<'/visits/mine', 'get'>;
type ScheduledVisit = Schedule['scheduled'][number];
type View = 'day' | 'week';

/** The expert's schedule, the fortnight ahead: `['visits', 'mine']`, kept on the device for offline use. */
export function useSchedule() {
  return useQuery({ queryKey: ['visits', 'mine'], queryFn: async () => must(await api.GET('/visits/mine', { params: { query: {} } })) });
}

/** The visits of the days shown, asked for when they reach past the schedule's `until` (the expert looks further ahead). */
function useLaterDays(from: Date, to: Date, enabled: boolean) {
  const span = { from: from.toISOString(), to: to.toISOString() };
  return useQuery({ queryKey: ['visits', 'mine', span], queryFn: async () => must(await api.GET('/visits/mine', { params: { query: span } })), enabled });
}

/** The expert's visits by day or week, each with where it is; and the open visits they proposed for. */
export function MySchedule({ user }: { user: SignedIn }) {
  const mine = useSchedule();
  const online = useOnline();
  const [view, setView] = useState<View>('day');
  const [anchor, setAnchor] = useState(() => startOfDay(new Date()));

  const from = view === 'day' ? anchor : startOfWeek(anchor);
  const days = view === 'day' ? [from] : [0, 1, 2, 3, 4, 5, 6].map((d) => addDays(from, d));
  const move = (direction: 1 | -1) => setAnchor(addDays(anchor, direction * (view === 'day' ? 1 : 7)));
  const to = addDays(from, days.length);
  const beyond = mine.data !== undefined && to.getTime() > Date.parse(mine.data.until);
  const later = useLaterDays(from, to, beyond);
  const scheduled = mine.data?.scheduled ?? [];
  const next = useMemo(
    () => scheduled.find((v) => v.start !== null && Date.parse(v.end ?? v.start) >= Date.now())?.start ?? mine.data?.nextStart ?? null,
    [scheduled, mine.data?.nextStart],
  );
  const listed = beyond ? (later.data?.scheduled ?? []) : scheduled;
  const shown = listed.filter((v) => v.start !== null && days.some((d) => sameDay(new Date(v.start!), d)));

  return (
    <Stack>
      <Title order={1} size="h2">My schedule</Title>
      <Group justify="space-between" gap="xs">
        <SegmentedControl
          aria-label="Show"
          value={view}
          onChange={(v) => setView(v as View)}
          data={[
            { value: 'day', label: 'Day' },
            { value: 'week', label: 'Week' },
          ]}
        />
        <Group gap={4}>
          <ActionIcon variant="default" size="lg" aria-label={view === 'day' ? 'Previous day' : 'Previous week'} onClick={() => move(-1)}>
            ‹
          </ActionIcon>
          <Button variant="default" size="sm" onClick={() => setAnchor(startOfDay(new Date()))}>
            Today
          </Button>
          <ActionIcon variant="default" size="lg" aria-label={view === 'day' ? 'Next day' : 'Next week'} onClick={() => move(1)}>
            ›
          </ActionIcon>
        </Group>
      </Group>
      <Title order={2} size="h4" data-testid="schedule-range">
        {view === 'day' ? dayTitle(from) : `${shortDay(from)} – ${shortDay(addDays(from, 6))}`}
      </Title>
      {mine.isPending && mine.fetchStatus === 'paused' && (
        <Alert color="gray" title="You are offline">
          Your schedule has not been synced to this device yet: it shows once you are online.
        </Alert>
      )}
      {mine.isPending && mine.fetchStatus !== 'paused' && <Loader aria-label="Loading your schedule" />}
      {mine.error && <ProblemAlert error={mine.error} title={mine.data ? 'Could not refresh your schedule' : 'Could not load your schedule'} />}
      {mine.data && (!online || mine.isRefetchError) && (
        <Text size="sm" c="gray.7" data-testid="last-synced">
          Last synced {when(new Date(mine.dataUpdatedAt).toISOString())}
        </Text>
      )}
      {beyond && later.isPending && later.fetchStatus === 'paused' && (
        <Alert color="gray" title="You are offline">
          This device has your schedule up to {when(mine.data!.until)}: later visits show once you are online.
        </Alert>
      )}
      {beyond && later.isPending && later.fetchStatus !== 'paused' && <Loader aria-label="Loading these days" />}
      {beyond && later.error && <ProblemAlert error={later.error} title="Could not load these days" />}
      {mine.data &&
        (!beyond || later.data) &&
        days.map((day) => {
          const ofDay = shown.filter((v) => sameDay(new Date(v.start!), day));
          return (
            <Stack key={day.toISOString()} gap="xs" component="section" aria-label={dayTitle(day)}>
              {view === 'week' && (
                <Title order={3} size="h5">
                  {shortDay(day)}
                </Title>
              )}
              {ofDay.length === 0 && (
                <Text size="sm" c="gray.7">
                  No visits{view === 'day' ? ' this day' : ''}.
                </Text>
              )}
              {ofDay.map((v) => (
                <VisitCard key={v.visitId} visit={v} />
              ))}
            </Stack>
          );
        })}
      {mine.data && view === 'day' && shown.length === 0 && next && !days.some((d) => sameDay(new Date(next), d)) && (
        <Button variant="light" onClick={() => setAnchor(startOfDay(new Date(next)))}>
          Next visit: {when(next)}
        </Button>
      )}
      {mine.data && <Proposed proposed={mine.data.proposed} user={user} />}
    </Stack>
  );
}

function VisitCard({ visit }: { visit: ScheduledVisit }) {
  const outbox = useOutbox();
  const queued = useQueued(outbox);
  const status = pendingStatus(visit.status, visit.visitId, queued, outbox);
  return (
    <Card withBorder component={Link} to={`/field/visits/${visit.visitId}`} data-testid="scheduled-visit" aria-label={`${timeOfDay(visit.start!)}: ${visit.skills.join(', ')}, ${status.status}`}>
      <Group justify="space-between" wrap="nowrap">
        <Text fw={600}>
          {timeOfDay(visit.start!)} – {visit.end ? timeOfDay(visit.end) : ''}
        </Text>
        <Badge color={statusColor(status.status)} variant="dot">
          {status.status}
          {status.pending ? ' · to sync' : ''}
        </Badge>
      </Group>
      <Text size="sm" fw={500}>
        {visit.skills.join(', ')}
      </Text>
      {visit.problem && (
        <Text size="sm" lineClamp={2}>
          {visit.problem}
        </Text>
      )}
      {visit.contact && (
        <Text size="sm" c="gray.7">
          {visit.contact.address.line1}, {visit.contact.address.city}
        </Text>
      )}
    </Card>
  );
}

type ProposedVisit = Schedule['proposed'][number];

function Proposed({ proposed, user }: { proposed: ProposedVisit[]; user: SignedIn }) {
  return (
    <Stack gap="xs" mt="md" component="section" aria-labelledby="waiting-title">
      <Title order={2} size="h4" id="waiting-title">
        Waiting for the customer's match
      </Title>
      {proposed.length === 0 && (
        <Text size="sm" c="gray.7">
          No open proposals.
        </Text>
      )}
      {proposed.map((v) => (
        <ProposedCard key={v.visitId} visit={v} user={user} />
      ))}
    </Stack>
  );
}

function ProposedCard({ visit, user }: { visit: ProposedVisit; user: SignedIn }) {
  const withdraw = useCommand({ sent: 'Proposals withdrawn' });
  const mine = visit.proposals.find((p) => p.expertId === user.expertId)?.starts ?? [];
  const assigned = visit.assignments.find((a) => a.expertId === user.expertId);
  return (
    <Card withBorder data-testid="proposed-visit">
      <Text size="sm" fw={500}>
        {visit.skills.join(', ')}
      </Text>
      <Text size="sm">{mine.length > 0 ? `You proposed ${mine.map(when).join(', ')}` : assigned ? `Helpdesk assigned you at ${when(assigned.start)}` : ''}</Text>
      <ProblemAlert error={withdraw.error} />
      {mine.length > 0 && (
        <Group mt="xs">
          <Button
            size="xs"
            variant="outline"
            color="red.9"
            loading={withdraw.isPending}
            onClick={() => withdraw.mutate({ command: { kind: 'withdraw', visitId: visit.visitId }, label: `Withdraw my times: ${visit.skills.join(', ')}` })}
          >
            Withdraw
          </Button>
        </Group>
      )}
    </Card>
  );
}
