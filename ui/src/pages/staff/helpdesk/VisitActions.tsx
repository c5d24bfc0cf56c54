import { Badge, Button, Group, Loader, NumberInput, Radio, Select, Stack, Text, Textarea } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { api, must } from '../../../api/client';
import type { Answer } from '../../../api/answers';
import { timeOfDay, when } from '../../format';
import { ProblemAlert } from '../../expert/ProblemAlert';
import { useAction } from './action';
import { checkWindows, windowInputs, WindowsEditor } from './WindowsEditor';

export type VisitDetail = Answer<'/visits/{visitId}', 'get'>;
type Candidate = Answer<'/helpdesk/visits/{visitId}/candidates', 'get'>['candidates'][number];

/** Change an open visit's windows (agreed with the customer on the phone). */
export function ChangeWindowsForm({ visit, onDone }: { visit: VisitDetail; onDone: () => void }) {
  const [windows, setWindows] = useState(() => windowInputs(visit.windows));
  const [shown, setShown] = useState(false);
  const checked = checkWindows(windows, visit.durationMinutes);
  const save = useAction(
    async (_: void, key: string) => must(await api.POST('/helpdesk/visits/{visitId}/windows', { params: { path: { visitId: visit.visitId }, header: { 'Idempotency-Key': key } }, body: { windows: checked.windows } })),
    { done: 'Windows changed: experts can propose for them now.', onDone },
  );
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setShown(true);
        if (Object.keys(checked.problems).length === 0) save.mutate();
      }}
    >
      <Stack>
        <WindowsEditor windows={windows} onChange={setWindows} problems={shown ? checked.problems : {}} durationMinutes={visit.durationMinutes} />
        <ProblemAlert error={save.error} />
        <Group>
          <Button type="submit" loading={save.isPending}>
            Save the windows
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Reschedule a scheduled visit to new windows: it goes back to matching, its experts are released. */
export function RescheduleForm({ visit, onDone }: { visit: VisitDetail; onDone: () => void }) {
  const [windows, setWindows] = useState(() => windowInputs(visit.windows));
  const [reason, setReason] = useState('');
  const [shown, setShown] = useState(false);
  const checked = checkWindows(windows, visit.durationMinutes);
  const save = useAction(
    async (_: void, key: string) =>
      must(
        await api.POST('/helpdesk/visits/{visitId}/reschedule', {
          params: { path: { visitId: visit.visitId }, header: { 'Idempotency-Key': key } },
          body: { windows: checked.windows, ...(reason.trim() ? { reason: reason.trim() } : {}) },
        }),
      ),
    { done: 'Visit rescheduled: it is open for experts again.', onDone },
  );
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setShown(true);
        if (Object.keys(checked.problems).length === 0) save.mutate();
      }}
    >
      <Stack>
        <WindowsEditor windows={windows} onChange={setWindows} problems={shown ? checked.problems : {}} durationMinutes={visit.durationMinutes} />
        <Textarea label="Why (the customer is told)" placeholder="e.g. the expert had an accident on the way" value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
        <ProblemAlert error={save.error} />
        <Group>
          <Button type="submit" loading={save.isPending}>
            Reschedule the visit
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Every half-hour start at which the whole visit fits one of its windows, from now on. */
function startsIn(visit: VisitDetail, now = Date.now()): string[] {
  const step = 30 * 60_000;
  const length = visit.durationMinutes * 60_000;
  const starts = new Set<string>();
  for (const w of visit.windows) {
    const end = Date.parse(w.end);
    for (let t = Date.parse(w.start); t + length <= end; t += step) if (t >= now) starts.add(new Date(t).toISOString());
  }
  // The experts' own offers inside the windows, even off the half hour.
  for (const p of visit.proposals ?? []) for (const s of p.starts) if (visit.windows.some((w) => Date.parse(w.start) <= Date.parse(s) && Date.parse(s) + length <= Date.parse(w.end))) starts.add(new Date(s).toISOString());
  return [...starts].sort();
}

function CandidateLabel({ c }: { c: Candidate }) {
  return (
    <Group gap="xs">
      <Text size="sm" fw={500}>
        {c.name}
      </Text>
      <Text size="xs" c="dimmed">
        {c.expertId} · {c.skills.join(', ')} · {c.distanceKm} km away · rating {c.rating === null ? 'none yet' : c.rating.toFixed(1)} · {c.freeUntil ? `free until ${when(c.freeUntil)}` : 'nothing booked after'}
      </Text>
      {c.proposed && (
        <Badge size="xs" color="teal" variant="light">
          proposed this start
        </Badge>
      )}
    </Group>
  );
}

function useCandidates(visitId: string, start: string | null, enabled: boolean) {
  return useQuery({
    queryKey: ['helpdesk', 'candidates', visitId, start],
    queryFn: async () => must(await api.GET('/helpdesk/visits/{visitId}/candidates', { params: { path: { visitId }, query: start ? { start } : {} } })),
    enabled,
  });
}

/** Assign an expert to an open visit at a start: only experts free and qualified then are offered. */
export function AssignExpertForm({ visit, onDone }: { visit: VisitDetail; onDone: () => void }) {
  const starts = useMemo(() => startsIn(visit), [visit]);
  const [start, setStart] = useState<string | null>(null);
  const [expertId, setExpertId] = useState<string | null>(null);
  const candidates = useCandidates(visit.visitId, start, start !== null);
  const proposedBy = (s: string) => (visit.proposals ?? []).filter((p) => p.starts.some((x) => Date.parse(x) === Date.parse(s))).map((p) => p.expertId);
  const assign = useAction(
    async (_: void, key: string) =>
      must(await api.POST('/helpdesk/visits/{visitId}/assign', { params: { path: { visitId: visit.visitId }, header: { 'Idempotency-Key': key } }, body: { expertId: expertId!, start: start! } })),
    { done: (a) => `Expert ${a.expertId} assigned; the visit is ${a.status}.`, onDone },
  );
  return (
    <Stack>
      <Select
        label="Start"
        placeholder={starts.length ? 'Pick a start inside the windows' : 'No start left inside the windows: change them first'}
        searchable
        data={starts.map((s) => ({ value: s, label: `${when(s)}${proposedBy(s).length ? ` — proposed by ${proposedBy(s).join(', ')}` : ''}` }))}
        value={start}
        onChange={(s) => {
          setStart(s);
          setExpertId(null);
        }}
      />
      {candidates.isFetching && <Loader size="sm" aria-label="Finding free experts" />}
      <ProblemAlert error={candidates.error} />
      {candidates.data && candidates.data.candidates.length === 0 && <Text c="dimmed">Nobody qualified is free then: try another start.</Text>}
      {candidates.data && candidates.data.candidates.length > 0 && (
        <Radio.Group label="Experts free and qualified then, best match first" value={expertId} onChange={setExpertId}>
          <Stack gap="xs" mt="xs">
            {candidates.data.candidates.map((c) => (
              <Radio key={c.expertId} value={c.expertId} label={<CandidateLabel c={c} />} aria-label={c.name} />
            ))}
          </Stack>
        </Radio.Group>
      )}
      <ProblemAlert error={assign.error} />
      <Group>
        <Button disabled={!start || !expertId} loading={assign.isPending} onClick={() => assign.mutate()}>
          Assign the expert
        </Button>
      </Group>
    </Stack>
  );
}

const BEST = '__best';

/** Replace an expert on a scheduled visit by one free for its time (or let the system pick the best free one). */
export function ReplaceExpertForm({ visit, onDone }: { visit: VisitDetail; onDone: () => void }) {
  const [out, setOut] = useState<string | null>(visit.experts[0] ?? null);
  const [picked, setIn] = useState<string>(BEST);
  const candidates = useCandidates(visit.visitId, null, true);
  // An expert no longer free (booked meanwhile) is no longer offered, nor chosen.
  const inExpert = picked === BEST || candidates.data?.candidates.some((c) => c.expertId === picked) !== false ? picked : BEST;
  const replace = useAction(
    async (_: void, key: string) =>
      must(
        await api.POST('/helpdesk/visits/{visitId}/replace', {
          params: { path: { visitId: visit.visitId }, header: { 'Idempotency-Key': key } },
          body: { outExpertId: out!, ...(inExpert !== BEST ? { inExpertId: inExpert } : {}) },
        }),
      ),
    { done: (a) => `Expert replaced: ${a.inExpertId} takes the visit.`, onDone },
  );
  return (
    <Stack>
      <Select label="Expert who drops out" data={visit.experts} value={out} onChange={setOut} allowDeselect={false} />
      <ProblemAlert error={candidates.error} />
      {candidates.isPending && <Loader size="sm" aria-label="Finding free experts" />}
      <Radio.Group label={`Who takes over ${when(visit.start)}`} value={inExpert} onChange={setIn}>
        <Stack gap="xs" mt="xs">
          <Radio value={BEST} label="The best free expert (the system picks)" />
          {(candidates.data?.candidates ?? []).map((c) => (
            <Radio key={c.expertId} value={c.expertId} label={<CandidateLabel c={c} />} aria-label={c.name} />
          ))}
        </Stack>
      </Radio.Group>
      {candidates.data?.candidates.length === 0 && <Text c="dimmed">Nobody qualified is free for the visit's time: reschedule it instead.</Text>}
      <ProblemAlert error={replace.error} />
      <Group>
        <Button disabled={!out} loading={replace.isPending} onClick={() => replace.mutate()}>
          Replace the expert
        </Button>
      </Group>
    </Stack>
  );
}

/** Give a started visit more time (its expert called): extended when every expert on it is free, else closed with a follow-up visit. */
export function ExtendForm({ visit, onDone }: { visit: VisitDetail; onDone: () => void }) {
  const [minutes, setMinutes] = useState<number | string>(30);
  const extend = useAction(
    async (_: void, key: string) => must(await api.POST('/helpdesk/visits/{visitId}/extend', { params: { path: { visitId: visit.visitId }, header: { 'Idempotency-Key': key } }, body: { minutes: Number(minutes) } })),
    {
      done: (a) => (a.status === 'extended' ? `Visit extended until ${when(a.end)}.` : `Not everyone is free: the visit was closed incomplete, follow-up visit ${a.followUpVisitId} planned.`),
      onDone,
    },
  );
  const until = visit.end ? new Date(Date.parse(visit.end) + (Number(minutes) || 0) * 60_000).toISOString() : null;
  return (
    <Stack>
      <Text size="sm">
        Booked {when(visit.start)}–{visit.end ? timeOfDay(visit.end) : '—'} with {visit.experts.join(', ')}.
        {until && ` Extended, it ends at ${timeOfDay(until)}`}; if an expert on it is booked before then, the visit is closed incomplete instead and a follow-up visit is planned.
      </Text>
      <NumberInput label="Extra minutes" min={5} max={480} step={15} value={minutes} onChange={setMinutes} />
      <ProblemAlert error={extend.error} />
      <Group>
        <Button loading={extend.isPending} onClick={() => extend.mutate()}>
          Extend the visit
        </Button>
      </Group>
    </Stack>
  );
}
