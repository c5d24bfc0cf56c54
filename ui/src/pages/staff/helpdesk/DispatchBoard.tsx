import { Anchor, Badge, Box, Button, Card, Grid, Group, Loader, ScrollArea, Select, Stack, Text, Title, Tooltip } from '@mantine/core';
import { DatePickerInput } from '@mantine/dates';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { useEffect, useRef } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, must } from '../../../api/client';
import type { Answer } from '../../../api/answers';
import { SignedIn } from '../../../auth/session';
import { timeOfDay } from '../../format';
import { LoadFailed } from '../../LoadFailed';
import { statusColor } from '../../status';
import { useAreas } from './areas';
import { PRIORITY_COLORS } from './words';

type Board = Answer<'/dispatch/board', 'get'>;
type Row = Board['experts'][number];

const NAME_WIDTH = 190;
const ROW_HEIGHT = 44;
/** The performance mark the board sets once first drawn with data (its load time, from navigation). */
export const BOARD_DRAWN = 'dispatch-board-drawn';

/** The hours the axis shows: 07–20, widened to every working hour and booking of the day. */
function axisOf(board: Board, day: dayjs.Dayjs): { start: number; end: number } {
  let first = day.hour(7).valueOf();
  let last = day.hour(20).valueOf();
  for (const e of board.experts) {
    for (const r of [...e.workingHours, ...e.bookings.map((b) => b.range)]) {
      first = Math.min(first, Date.parse(r.start));
      last = Math.max(last, Date.parse(r.end));
    }
  }
  const start = Math.max(day.valueOf(), dayjs(first).startOf('hour').valueOf());
  const end = Math.min(day.add(1, 'day').valueOf(), dayjs(last).add(59, 'minute').startOf('hour').valueOf());
  return { start, end };
}

/**
 * The dispatch board: experts as rows, the day's hours as columns; working hours shaded, time
 * off hatched, visits as blocks coloured by their state, and beside it the visits still waiting
 * for an expert that day. Live: the `visits` key is refetched whenever a visit or an expert changes.
 */
export function DispatchBoard({ user: _user }: { user: SignedIn }) {
  const [params, setParams] = useSearchParams();
  const day = dayjs(params.get('day') ?? undefined).startOf('day');
  const skill = params.get('skill');
  const area = params.get('area');
  const areas = useAreas();
  const set = (name: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const from = day.toISOString();
  const to = day.add(1, 'day').toISOString();
  const board = useQuery({
    queryKey: ['visits', 'board', from, to, skill, area],
    queryFn: async () => must(await api.GET('/dispatch/board', { params: { query: { from, to, ...(skill ? { skill } : {}), ...(area ? { area } : {}) } } })),
    placeholderData: keepPreviousData,
  });

  const marked = useRef(false);
  useEffect(() => {
    if (board.data && !marked.current) {
      marked.current = true;
      performance.mark(BOARD_DRAWN);
    }
  }, [board.data]);

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={1} size="h2">
          Dispatch board
        </Title>
        <Group gap="xs" align="flex-end" role="search" aria-label="Pick the day and filter the board">
          <Button variant="default" onClick={() => set('day', day.subtract(1, 'day').format('YYYY-MM-DD'))} aria-label="Previous day">
            ‹
          </Button>
          <DatePickerInput label="Day" value={day.format('YYYY-MM-DD')} onChange={(d) => set('day', d ? dayjs(d).format('YYYY-MM-DD') : null)} valueFormat="ddd D MMM YYYY" w={170} />
          <Button variant="default" onClick={() => set('day', day.add(1, 'day').format('YYYY-MM-DD'))} aria-label="Next day">
            ›
          </Button>
          <Button variant="subtle" onClick={() => set('day', null)}>
            Today
          </Button>
          <Select label="Skill" placeholder="Every skill" clearable searchable data={board.data?.skills ?? []} value={skill} onChange={(v) => set('skill', v)} w={160} />
          <Select
            label="Area"
            placeholder="Every area"
            clearable
            searchable
            data={(areas.data ?? []).map((a) => ({ value: a.area, label: `${a.area} ${a.city}` }))}
            value={area}
            onChange={(v) => set('area', v)}
            w={170}
          />
        </Group>
      </Group>
      {board.error && <LoadFailed what="The board" error={board.error} retry={board.refetch} />}
      {board.isPending && <Loader aria-label="Loading the board" />}
      {board.data && (
        <Grid>
          <Grid.Col span={{ base: 12, lg: 9 }}>
            <Timeline board={board.data} day={day} />
            <Legend />
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 3 }}>
            <WaitingVisits visits={board.data.openVisits} />
          </Grid.Col>
        </Grid>
      )}
    </Stack>
  );
}

function Timeline({ board, day }: { board: Board; day: dayjs.Dayjs }) {
  const axis = axisOf(board, day);
  const hours: number[] = [];
  for (let t = axis.start; t < axis.end; t += 3_600_000) hours.push(t);
  const at = (iso: string) => Math.min(100, Math.max(0, ((Date.parse(iso) - axis.start) / (axis.end - axis.start)) * 100));
  const span = (r: { start: string; end: string }) => ({ left: `${at(r.start)}%`, width: `${Math.max(0.5, at(r.end) - at(r.start))}%` });
  const now = Date.now();
  const nowShown = now >= axis.start && now < axis.end;
  if (board.experts.length === 0) return <Text c="dimmed">No active expert matches the filters.</Text>;
  return (
    <ScrollArea type="auto" offsetScrollbars>
      <Box miw={900} data-testid="dispatch-board" role="table" aria-label={`Experts and their visits on ${day.format('dddd D MMMM')}`}>
        <Box role="row" style={{ display: 'flex', borderBottom: '1px solid var(--mantine-color-gray-4)' }}>
          <Box role="columnheader" w={NAME_WIDTH} style={{ flexShrink: 0 }}>
            <Text size="xs" fw={700}>
              Expert
            </Text>
          </Box>
          <Box role="columnheader" style={{ position: 'relative', flex: 1, height: 20 }}>
            {hours.map((h) => (
              <Text key={h} size="xs" style={{ position: 'absolute', left: `${at(new Date(h).toISOString())}%` }}>
                {dayjs(h).format('HH:mm')}
              </Text>
            ))}
          </Box>
        </Box>
        {board.experts.map((e) => (
          <ExpertRow key={e.expertId} expert={e} span={span} hours={hours} at={at} nowAt={nowShown ? at(new Date(now).toISOString()) : null} />
        ))}
      </Box>
    </ScrollArea>
  );
}

function ExpertRow({ expert, span, hours, at, nowAt }: { expert: Row; span: (r: { start: string; end: string }) => { left: string; width: string }; hours: number[]; at: (iso: string) => number; nowAt: number | null }) {
  const booked = expert.bookings.length;
  return (
    <Box role="row" data-testid="board-row" style={{ display: 'flex', borderBottom: '1px solid var(--mantine-color-gray-3)' }}>
      <Box role="rowheader" w={NAME_WIDTH} py={4} pr="xs" style={{ flexShrink: 0 }}>
        <Text size="sm" fw={500} lineClamp={1}>
          {expert.name}
        </Text>
        <Text size="xs" c="dimmed" lineClamp={1}>
          {expert.skills.join(', ')}
        </Text>
      </Box>
      <Box role="cell" aria-label={expert.workingHours.length === 0 ? 'Not working' : `Works ${expert.workingHours.map((w) => `${timeOfDay(w.start)}–${timeOfDay(w.end)}`).join(', ')}; ${booked} visit${booked === 1 ? '' : 's'}`} style={{ position: 'relative', flex: 1, height: ROW_HEIGHT }}>
        {hours.map((h) => (
          <Box key={h} aria-hidden style={{ position: 'absolute', top: 0, bottom: 0, left: `${at(new Date(h).toISOString())}%`, borderLeft: '1px dashed var(--mantine-color-gray-2)' }} />
        ))}
        {expert.workingHours.map((w) => (
          <Box key={w.start} aria-hidden style={{ position: 'absolute', top: 2, bottom: 2, ...span(w), background: 'var(--mantine-color-green-0)' }} />
        ))}
        {expert.timeOff.map((t) => (
          <Tooltip key={t.range.start} label={`Time off: ${t.reason}`}>
            <Box
              role="img"
              aria-label={`Time off ${timeOfDay(t.range.start)}–${timeOfDay(t.range.end)}: ${t.reason}`}
              style={{ position: 'absolute', top: 2, bottom: 2, ...span(t.range), background: 'repeating-linear-gradient(45deg, var(--mantine-color-gray-3), var(--mantine-color-gray-3) 4px, var(--mantine-color-gray-1) 4px, var(--mantine-color-gray-1) 8px)' }}
            />
          </Tooltip>
        ))}
        {expert.bookings.map((b) => {
          const color = statusColor(b.status);
          const label = `${timeOfDay(b.range.start)}–${timeOfDay(b.range.end)} ${b.status}${b.skills.length ? ` · ${b.skills.join(', ')}` : ''}`;
          const style = {
            position: 'absolute',
            top: 4,
            bottom: 4,
            ...span(b.range),
            background: `var(--mantine-color-${color}-1)`,
            borderLeft: `4px solid var(--mantine-color-${color}-7)`,
            borderRadius: 3,
            overflow: 'hidden',
            padding: '0 4px',
            color: 'var(--mantine-color-black)',
            textDecoration: 'none',
          } as const;
          const text = (
            <Text size="xs" lh="34px" truncate>
              {label}
            </Text>
          );
          // A block is its ticket's link: the workspace is one click (or Enter) away.
          return b.ticketId ? (
            <Anchor key={b.visitId} component={Link} to={`/staff/helpdesk/tickets/${b.ticketId}`} aria-label={`Visit ${b.visitId}: ${label}`} title={label} data-testid="board-booking" style={style}>
              {text}
            </Anchor>
          ) : (
            <Box key={b.visitId} data-testid="board-booking" style={style}>
              {text}
            </Box>
          );
        })}
        {nowAt !== null && <Box aria-hidden style={{ position: 'absolute', top: 0, bottom: 0, left: `${nowAt}%`, borderLeft: '2px solid var(--mantine-color-red-7)' }} />}
      </Box>
    </Box>
  );
}

function Legend() {
  const states = ['finalized', 'en-route', 'started', 'completed', 'cant-arrive', 'cancelled'];
  return (
    <Group gap="xs" mt="xs" aria-label="Colours">
      <Text size="xs">Colours:</Text>
      <Badge size="sm" variant="light" color="green">
        working hours
      </Badge>
      <Badge size="sm" variant="light" color="gray">
        time off (hatched)
      </Badge>
      {states.map((s) => (
        <Badge key={s} size="sm" variant="light" color={statusColor(s)}>
          {s}
        </Badge>
      ))}
    </Group>
  );
}

function WaitingVisits({ visits }: { visits: Board['openVisits'] }) {
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Waiting for an expert ({visits.length})
      </Title>
      {visits.length === 0 && <Text c="dimmed">No visit waits for an expert this day.</Text>}
      <ScrollArea.Autosize mah={640} type="auto">
        <Stack gap="xs">
          {visits.map((v) => (
            <Card key={v.visitId} withBorder padding="xs" data-testid="waiting-visit">
              <Group justify="space-between" gap={4}>
                <Anchor component={Link} to={`/staff/helpdesk/tickets/${v.ticketId}`} size="sm" fw={500}>
                  {v.skills.join(', ')} · {v.durationMinutes} min
                </Anchor>
                <Group gap={4}>
                  <Badge size="xs" color={PRIORITY_COLORS[v.priority]}>
                    {v.priority}
                  </Badge>
                  <Badge size="xs" variant="light" color={statusColor(v.status)}>
                    {v.status}
                  </Badge>
                </Group>
              </Group>
              <Text size="xs">{v.windows.map((w) => `${timeOfDay(w.start)}–${timeOfDay(w.end)}`).join(', ')}</Text>
              <Text size="xs" c="dimmed">
                {v.proposals === 0 ? 'No proposal yet' : `${v.proposals} expert${v.proposals === 1 ? '' : 's'} proposed`} · {v.visitId}
              </Text>
            </Card>
          ))}
        </Stack>
      </ScrollArea.Autosize>
    </Stack>
  );
}
