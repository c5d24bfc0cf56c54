import { Anchor, Badge, Button, Group, Loader, Select, Stack, Table, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, must } from '../../../api/client';
import type { Answer } from '../../../api/answers';
import type { paths } from '../../../api/schema';
import { LoadFailed } from '../../LoadFailed';
import { when } from '../../format';
import { useApplianceName } from '../../customer/catalog';
import { useAreas } from './areas';
import { FLAG_REASONS, flagReason, PRIORITY_COLORS, waited } from './words';

type QueueItem = Answer<'/helpdesk/queue', 'get'>['queue'][number];
type QueueQuery = NonNullable<paths['/helpdesk/queue']['get']['parameters']['query']>;

const PAGE = 25;
const AGES = [
  { value: '1', label: 'Opened over an hour ago' },
  { value: '4', label: 'Over 4 hours' },
  { value: '24', label: 'Over a day' },
  { value: '72', label: 'Over 3 days' },
];

/** Since when the ticket waits for helpdesk: its oldest open flag, or its escalation. */
export function waitingSince(item: { ticket: QueueItem['ticket'] }): string {
  const instants = [...item.ticket.flags.map((f) => f.flaggedAt), ...(item.ticket.escalation ? [item.ticket.escalation.escalatedAt] : [])];
  return instants.length === 0 ? item.ticket.openedAt : instants.reduce((a, b) => (a < b ? a : b));
}

/** How many starts the experts offered that fit none of the windows. */
function unfitStarts(item: QueueItem): number {
  return item.unfitProposals.reduce((n, p) => n + p.starts.length, 0);
}

/** A clock that ticks each half minute: the "waiting" column grows while the page is open. */
function useNow(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/**
 * Helpdesk's queue: flagged and escalated tickets, most urgent first, then the oldest; filtered
 * (the filters live in the address, to share), paged, and live — the `tickets` key is
 * refetched whenever a ticket changes, so a new flag appears without a reload.
 */
export function QueuePage() {
  const [params, setParams] = useSearchParams();
  const reason = params.get('reason') ?? null;
  const priority = params.get('priority') ?? null;
  const area = params.get('area') ?? null;
  const age = params.get('age') ?? null;
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const areas = useAreas();
  const applianceName = useApplianceName();
  const now = useNow();

  const filter = (name: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
    setCursors([undefined]);
  };

  const queue = useQuery({
    queryKey: ['tickets', 'helpdesk-queue', { reason, priority, area, age, cursor }],
    queryFn: async () =>
      must(
        await api.GET('/helpdesk/queue', {
          params: {
            query: {
              limit: PAGE,
              ...(reason ? { reason: reason as QueueQuery['reason'] } : {}),
              ...(priority ? { priority: priority as QueueQuery['priority'] } : {}),
              ...(area ? { area } : {}),
              ...(age ? { minAgeHours: Number(age) } : {}),
              ...(cursor ? { cursor } : {}),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

  const page = cursors.length;
  return (
    <Stack>
      <Title order={1} size="h2">
        Helpdesk queue
      </Title>
      <Group align="flex-end" gap="sm" role="search" aria-label="Filter the queue">
        <Select label="Why" placeholder="Every reason" clearable data={Object.entries(FLAG_REASONS).map(([value, label]) => ({ value, label }))} value={reason} onChange={(v) => filter('reason', v)} w={240} />
        <Select label="Priority" placeholder="Any priority" clearable data={['urgent', 'high', 'normal', 'low']} value={priority} onChange={(v) => filter('priority', v)} w={150} />
        <Select
          label="Area"
          placeholder="Every area"
          clearable
          searchable
          nothingFoundMessage="No customers there"
          data={(areas.data ?? []).map((a) => ({ value: a.area, label: `${a.area} ${a.city} (${a.customers})` }))}
          value={area}
          onChange={(v) => filter('area', v)}
          w={220}
        />
        <Select label="Age" placeholder="Any age" clearable data={AGES} value={age} onChange={(v) => filter('age', v)} w={200} />
      </Group>
      {queue.error && <LoadFailed what="The queue" error={queue.error} retry={queue.refetch} />}
      {queue.isPending && <Loader aria-label="Loading the queue" />}
      {queue.data && (
        <>
          <Text size="sm" c="dimmed" aria-live="polite" data-testid="queue-total">
            {queue.data.total === 0 ? 'Nothing waits for helpdesk here.' : `${queue.data.total} ticket${queue.data.total === 1 ? '' : 's'} waiting — most urgent first, then the oldest.`}
          </Text>
          {queue.data.queue.length > 0 && (
            <Table.ScrollContainer minWidth={900}>
              <Table striped highlightOnHover withTableBorder>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Ticket</Table.Th>
                    <Table.Th>Why</Table.Th>
                    <Table.Th>Priority</Table.Th>
                    <Table.Th>Waiting</Table.Th>
                    <Table.Th>Opened</Table.Th>
                    <Table.Th>Visits</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {queue.data.queue.map((item) => (
                    <Table.Tr key={item.ticket.ticketId} data-testid="queue-item">
                      <Table.Td>
                        <Anchor component={Link} to={`/staff/helpdesk/tickets/${item.ticket.ticketId}`} fw={500}>
                          {applianceName(item.ticket.appliance)}
                        </Anchor>
                        <Text size="xs" c="dimmed" lineClamp={1} maw={320}>
                          {item.ticket.ticketId} · {item.ticket.problem}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          {item.ticket.flags.map((f) => (
                            <Badge key={`${f.reason}:${f.visitId}`} color="orange" variant="light">
                              {flagReason(f.reason)}
                            </Badge>
                          ))}
                          {item.ticket.escalated && !item.ticket.flags.some((f) => f.reason === 'no-match-in-time') && (
                            <Badge color="orange" variant="light">
                              Escalated
                            </Badge>
                          )}
                          {unfitStarts(item) > 0 && (
                            <Badge color="gray" variant="outline">
                              {unfitStarts(item)} offer{unfitStarts(item) === 1 ? '' : 's'} that did not fit
                            </Badge>
                          )}
                        </Group>
                      </Table.Td>
                      <Table.Td miw={96}>
                        <Badge color={PRIORITY_COLORS[item.ticket.priority]} style={{ overflow: 'visible' }}>
                          {item.ticket.priority}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" title={when(waitingSince(item))}>
                          {waited(waitingSince(item), now)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{when(item.ticket.openedAt)}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{item.visits.map((v) => v.status).join(', ') || 'being planned'}</Text>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          <Group>
            <Button variant="default" disabled={page === 1} onClick={() => setCursors((all) => all.slice(0, -1))}>
              Previous page
            </Button>
            <Text size="sm">Page {page}</Text>
            <Button variant="default" disabled={!queue.data.nextCursor} onClick={() => setCursors((all) => [...all, queue.data.nextCursor ?? undefined])}>
              Next page
            </Button>
          </Group>
        </>
      )}
    </Stack>
  );
}
