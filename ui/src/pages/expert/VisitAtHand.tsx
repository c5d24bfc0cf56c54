import { Anchor, Badge, Button, Card, Group, Loader, NumberInput, Select, Stack, Text, Textarea, Title } from '@mantine/core';
import { TimeInput } from '@mantine/dates';
import { QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, must } from '../../api/client';
import type { Answer } from '../../api/answers';
import type { Step, StepCommand } from '../../offline/commands';
import { useOnline, useOutbox } from '../../offline/OfflineProvider';
import { useQueued } from '../../offline/outbox';
import { timeOfDay, when } from '../format';
import { statusColor } from '../status';
import { AddArticle, SuggestedArticles } from './Articles';
import { ErrorBoundary } from './ErrorBoundary';
import { useCommand } from './command';
import { useWebAppConfig } from './config';
import { pendingStatus } from './pending';
import { ProblemAlert } from './ProblemAlert';

let mapCode: ReturnType<typeof importMap> | null = null;
const importMap = () => import('./VisitMap');
/** The map's code, once; after a failure (offline, before the service worker had it) a new try. */
const loadMap = () =>
  (mapCode ??= importMap().catch((error: unknown) => {
    mapCode = null;
    // React keeps a lazy component's failure: the next render gets a fresh one.
    LazyMap = lazy(loadMap);
    throw error;
  }));
let LazyMap = lazy(loadMap);
/** The map's code, fetched while the expert is still online (the service worker keeps it too). */
export function preloadMap(): void {
  void loadMap().catch(() => undefined);
}

type Visit = Answer<'/visits/{visitId}', 'get'>;
type Schedule = Answer<'/visits/mine', 'get'>;

/** What each step is called where the expert sees it (buttons, the outbox, notifications). */
const STEP_NAMES: Record<Step, string> = {
  'en-route': 'On my way',
  arrived: 'I have arrived',
  started: 'Started the work',
  complete: 'Visit done',
  'cant-arrive': 'I cannot make it',
  'cant-enter': 'Nobody lets me in',
  'close-incomplete': 'Closed unfinished',
};

/** The schedule's copy of a visit: a visit never opened online still opens offline. */
function fromSchedule(queries: QueryClient, visitId: string): Visit | undefined {
  const found = queries.getQueryData<Schedule>(['visits', 'mine'])?.scheduled.find((v) => v.visitId === visitId);
  if (!found) return undefined;
  const { contact, ...visit } = found;
  return contact ? { ...visit, contact } : visit;
}

/**
 * The visit the expert is on: when and what, whom to see and where (address and map), each step
 * of the execution path as the visit's status allows it (recorded offline too, sent when back
 * online), the knowledge base's articles for the ticket, completing the ticket, and writing down
 * what fixed it.
 */
export function VisitAtHand() {
  const { visitId = '' } = useParams();
  const queries = useQueryClient();
  const online = useOnline();
  const visit = useQuery({
    queryKey: ['visits', visitId],
    queryFn: async () => must(await api.GET('/visits/{visitId}', { params: { path: { visitId } } })),
    initialData: () => fromSchedule(queries, visitId),
    initialDataUpdatedAt: () => queries.getQueryState(['visits', 'mine'])?.dataUpdatedAt,
  });
  const outbox = useOutbox();
  const queued = useQueued(outbox);

  if (visit.isPending) {
    return visit.fetchStatus === 'paused' ? (
      <Stack>
        <BackToSchedule />
        <Text c="gray.7">You are offline and this visit is not on this device yet.</Text>
      </Stack>
    ) : (
      <Loader aria-label="Loading the visit" />
    );
  }
  if (visit.error && !visit.data) {
    return (
      <Stack>
        <BackToSchedule />
        <ProblemAlert error={visit.error} title="Could not load the visit" />
      </Stack>
    );
  }
  const v = visit.data;
  const { status, pending } = pendingStatus(v.status, v.visitId, queued, outbox);
  return (
    <Stack maw={720}>
      <BackToSchedule />
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Title order={1} size="h2">{v.skills.join(', ')}</Title>
        <Badge size="lg" color={statusColor(status)} variant="dot" data-testid="visit-status" style={{ flexShrink: 0 }}>
          {status}
        </Badge>
      </Group>
      {pending && (
        <Text size="sm" fw={500} data-testid="visit-pending">
          Recorded on this device; sent when you are back online.
        </Text>
      )}
      {!online && (
        <Text size="sm" c="gray.7">
          Offline: as last synced {when(new Date(visit.dataUpdatedAt).toISOString())}.
        </Text>
      )}
      <Text fw={500}>
        {when(v.start)} – {v.end ? timeOfDay(v.end) : ''} ({v.durationMinutes} min)
      </Text>
      {v.problem && (
        <Card withBorder component="section" aria-labelledby="problem-title">
          <Title order={2} size="h5" id="problem-title">
            The problem
          </Title>
          <Text size="sm" data-testid="visit-problem">
            {v.problem}
          </Text>
          <Appliance ticketId={v.ticketId} />
        </Card>
      )}
      <Steps visit={v} status={status} />
      <Where visit={v} />
      {status === 'completed' && <AfterCompletion visit={v} />}
      <SuggestedArticles ticketId={v.ticketId} />
    </Stack>
  );
}

function BackToSchedule() {
  return (
    <Anchor component={Link} to="/field/schedule" size="sm">
      ‹ My schedule
    </Anchor>
  );
}

/** The ticket's appliance (the model the customer picked, or what they typed). */
function Appliance({ ticketId }: { ticketId: string }) {
  const ticket = useQuery({ queryKey: ['ticket', ticketId], queryFn: async () => must(await api.GET('/tickets/{ticketId}', { params: { path: { ticketId } } })) });
  const modelId = ticket.data?.appliance.modelId ?? null;
  const model = useQuery({
    queryKey: ['catalog-model', modelId],
    enabled: modelId !== null,
    staleTime: 3600_000,
    queryFn: async () => must(await api.GET('/catalog/models/{modelId}', { params: { path: { modelId: modelId! } } })),
  });
  const name = model.data ? `${model.data.brand} ${model.data.model}` : ticket.data?.appliance.text;
  if (!name) return null;
  return (
    <Text size="sm" c="gray.7" mt={4}>
      Appliance: {name}
    </Text>
  );
}

/** Whom to see and where: name, phone, address, a map, and a link for the phone's own maps app. */
function Where({ visit }: { visit: Visit }) {
  const config = useWebAppConfig();
  const online = useOnline();
  // The same component while it loads (a new one would remount the map); after a failure, coming
  // back online (which also resets the error boundary) tries again.
  const VisitMap = useMemo(() => LazyMap, [online]);
  const contact = visit.contact;
  const { lat, lon } = contact?.address.location ?? visit.location;
  const address = contact ? `${contact.address.line1}, ${contact.address.postalCode} ${contact.address.city}` : null;
  return (
    <Card withBorder component="section" aria-labelledby="where-title">
      <Title order={2} size="h5" id="where-title">
        Where
      </Title>
      {contact && (
        <Stack gap={2} mb="xs">
          <Text size="sm" fw={500}>
            {contact.name}
          </Text>
          <Text size="sm" data-testid="visit-address">
            {address}
          </Text>
          <Group gap="md">
            <Anchor href={`tel:${contact.phone.replace(/[^+\d]/g, '')}`} size="sm">
              Call {contact.phone}
            </Anchor>
            <Anchor href={`geo:${lat},${lon}?q=${lat},${lon}(${encodeURIComponent(address ?? '')})`} size="sm">
              Open in my maps app
            </Anchor>
          </Group>
        </Stack>
      )}
      {config.data?.mapTiles && (
        // Its own stacking context: Leaflet's panes and controls (z-index up to 1000) stay under the header and messages.
        <figure style={{ margin: 0, isolation: 'isolate' }} aria-label={`Map of ${address ?? 'the visit'}`} data-testid="visit-map">
          <ErrorBoundary what="The map" resetKey={online}>
            <Suspense fallback={<Loader size="sm" aria-label="Loading the map" />}>
              <VisitMap lat={lat} lon={lon} tiles={config.data.mapTiles} />
            </Suspense>
          </ErrorBoundary>
        </figure>
      )}
    </Card>
  );
}

/** Renders again every half minute until `at` (a page left open all morning shows the step when it is due). */
function useRenderUntil(at: number | null): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (at === null || Date.now() >= at) return;
    const timer = setInterval(() => setTick((n) => n + 1), 30_000);
    return () => clearInterval(timer);
  }, [at]);
}

/** Each step the visit's status allows now. */
function Steps({ visit: v, status }: { visit: Visit; status: string }) {
  // Unless the expert sets it: half an hour from when they tap "On my way" (the page may have been open for hours).
  const [eta, setEta] = useState<string | null>(null);
  const etaShown = eta ?? dayjs().add(30, 'minute').format('HH:mm');
  const [reason, setReason] = useState('');
  const [minutes, setMinutes] = useState<number | string>(30);
  const [incomplete, setIncomplete] = useState<string | null>('needs-parts');
  // The visit's status shows a step applied: no message for it.
  const step = useCommand();
  const extend = useCommand({ sent: 'Asked for more time' });
  const label = (name: string) => `${name}: ${v.skills.join(', ')}, ${when(v.start)}`;
  const on = { kind: 'step', visitId: v.visitId, ticketId: v.ticketId } as const;
  const take = (command: StepCommand) => step.mutate({ command, label: label(STEP_NAMES[command.step]) });
  const etaIso = () => (eta === null ? dayjs().add(30, 'minute') : dayjs(`${dayjs().format('YYYY-MM-DD')}T${eta}`)).toDate().toISOString();
  const notes = useNotes(v.visitId);
  const lead = useWebAppConfig().data?.enRouteLeadMinutes;
  const setOffFrom = lead !== undefined && v.start ? Date.parse(v.start) - lead * 60_000 : null;
  useRenderUntil(setOffFrom);

  return (
    <Stack gap="sm" component="section" aria-label="Steps of the visit">
      <ProblemAlert error={step.error ?? extend.error} />
      {status === 'finalized' && (
        <Card withBorder>
          {setOffFrom && Date.now() < setOffFrom ? (
            // The server refuses "on my way" earlier than this (the customer would be told too soon).
            <Text size="sm" data-testid="set-off-from">
              You can say you are on your way from {when(new Date(setOffFrom).toISOString())}.
            </Text>
          ) : (
            <Group align="flex-end" wrap="wrap">
              <TimeInput label="Arriving around" value={etaShown} onChange={(e) => setEta(e.currentTarget.value)} />
              <Button onClick={() => take({ ...on, step: 'en-route', body: { eta: etaIso() } })} loading={step.isPending}>
                On my way
              </Button>
            </Group>
          )}
        </Card>
      )}
      {status === 'en-route' && (
        <Button size="md" onClick={() => take({ ...on, step: 'arrived', body: {} })} loading={step.isPending}>
          I have arrived
        </Button>
      )}
      {(status === 'arrived' || status === 'cant-enter') && (
        <Button size="md" onClick={() => take({ ...on, step: 'started', body: {} })} loading={step.isPending}>
          Start the work
        </Button>
      )}
      {status === 'started' && (
        <Card withBorder>
          <Stack>
            <Textarea label="What you did" autosize minRows={2} value={notes.value} onChange={(e) => notes.set(e.currentTarget.value)} />
            <Button onClick={() => take({ ...on, step: 'complete', body: { notes: notes.value } })} loading={step.isPending}>
              Visit done
            </Button>
            <Group align="flex-end" wrap="wrap">
              <NumberInput label="Need more time (minutes)" min={5} max={480} value={minutes} onChange={setMinutes} w={200} />
              <Button
                variant="default"
                onClick={() => extend.mutate({ command: { kind: 'extension', visitId: v.visitId, ticketId: v.ticketId, body: { minutes: Number(minutes) } }, label: label(`Ask for ${minutes} more minutes`) })}
                loading={extend.isPending}
              >
                Ask for more time
              </Button>
            </Group>
            <Group align="flex-end" wrap="wrap">
              <Select
                label="Cannot finish today"
                data={[
                  { value: 'needs-parts', label: 'Parts must be ordered' },
                  { value: 'needs-more-time', label: 'Needs another visit' },
                ]}
                value={incomplete}
                onChange={setIncomplete}
                allowDeselect={false}
              />
              <Button variant="default" onClick={() => take({ ...on, step: 'close-incomplete', body: { reason: incomplete === 'needs-more-time' ? 'needs-more-time' : 'needs-parts', note: notes.value } })}>
                Close unfinished
              </Button>
            </Group>
          </Stack>
        </Card>
      )}
      {(status === 'finalized' || status === 'en-route') && (
        <Card withBorder>
          <Stack>
            <Textarea label="Something wrong?" placeholder="What happened" value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
            <Group>
              <Button variant="outline" color="red.9" disabled={!reason.trim()} onClick={() => take({ ...on, step: 'cant-arrive', body: { reason: reason.trim() } })}>
                I cannot make it
              </Button>
              {status === 'en-route' && (
                <Button variant="default" onClick={() => take({ ...on, step: 'cant-enter', body: { note: reason.trim() } })}>
                  Nobody lets me in
                </Button>
              )}
            </Group>
          </Stack>
        </Card>
      )}
    </Stack>
  );
}

/** What the expert wrote about the visit, kept for the knowledge-base article they may write after. */
const notesByVisit = new Map<string, string>();
function useNotes(visitId: string) {
  const [value, setValue] = useState(() => notesByVisit.get(visitId) ?? '');
  return {
    value,
    set: (text: string) => {
      notesByVisit.set(visitId, text);
      setValue(text);
    },
  };
}

/** The visit is done: complete the ticket (its last visit), and write down what fixed it. */
function AfterCompletion({ visit: v }: { visit: Visit }) {
  const [resolution, setResolution] = useState(() => notesByVisit.get(v.visitId) ?? '');
  const completeTicket = useCommand({ sent: 'Ticket completed: the customer gets the survey' });
  const ticket = useQuery({ queryKey: ['ticket', v.ticketId], queryFn: async () => must(await api.GET('/tickets/{ticketId}', { params: { path: { ticketId: v.ticketId } } })) });
  const othersOpen = ticket.data?.visits.filter((o) => o.visitId !== v.visitId && !['completed', 'closed-incomplete', 'cancelled'].includes(o.status)) ?? [];
  const done = ticket.data?.status === 'completed';
  return (
    <>
      <Card withBorder component="section" aria-labelledby="complete-title">
        <Stack>
          <Title order={2} size="h5" id="complete-title">
            Complete the ticket
          </Title>
          {done ? (
            <Text size="sm" data-testid="ticket-completed">
              The ticket is completed: the customer gets the survey.
            </Text>
          ) : (
            <>
              <Text size="sm">
                {othersOpen.length > 0
                  ? `This ticket has ${othersOpen.length} other visit${othersOpen.length > 1 ? 's' : ''} to do: complete it after the last one.`
                  : 'When this was the ticket’s last visit, complete the ticket with what fixed it.'}
              </Text>
              <Textarea label="Resolution" autosize minRows={2} value={resolution} onChange={(e) => setResolution(e.currentTarget.value)} />
              <ProblemAlert error={completeTicket.error} />
              <Button
                disabled={!resolution.trim()}
                loading={completeTicket.isPending}
                onClick={() =>
                  completeTicket.mutate({ command: { kind: 'complete-ticket', ticketId: v.ticketId, body: { resolution: resolution.trim() } }, label: `Complete the ticket: ${v.skills.join(', ')}` })
                }
              >
                Complete the ticket
              </Button>
            </>
          )}
        </Stack>
      </Card>
      <AddArticle visit={v} fix={resolution || notesByVisit.get(v.visitId) || ''} />
    </>
  );
}
