import { Alert, Badge, Button, Card, Group, Loader, NumberInput, Select, Stack, Text, Textarea, Title } from '@mantine/core';
import { TimeInput } from '@mantine/dates';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useParams } from 'react-router';
import { actionKey, api, must } from '../../api/client';
import { timeOfDay, when } from '../format';
import { statusColor } from '../status';

type Step = 'en-route' | 'arrived' | 'started' | 'complete' | 'cant-arrive' | 'cant-enter' | 'close-incomplete';

/** The visit the expert is on: each step of the execution path as the visit's status allows it. */
export function VisitAtHand() {
  const { visitId = '' } = useParams();
  const queries = useQueryClient();
  const visit = useQuery({ queryKey: ['visits', visitId], queryFn: async () => must(await api.GET('/visits/{visitId}', { params: { path: { visitId } } })) });
  const [eta, setEta] = useState(() => dayjs().add(30, 'minute').format('HH:mm'));
  const [notes, setNotes] = useState('');
  const [reason, setReason] = useState('');
  const [minutes, setMinutes] = useState<number | string>(30);
  const [incomplete, setIncomplete] = useState<string | null>('needs-parts');
  const [resolution, setResolution] = useState('');

  const done = (message: string) => {
    void queries.invalidateQueries({ queryKey: ['visits'] });
    notifications.show({ color: 'green', title: 'Done', message });
  };
  const step = useMutation({
    mutationFn: async ({ path, body }: { path: Step; body: Record<string, unknown> }) =>
      must(await api.POST(`/visits/{visitId}/${path}` as '/visits/{visitId}/arrived', { params: { path: { visitId }, header: { 'Idempotency-Key': actionKey() } }, body: body as never })),
    onSuccess: (_answer, { path }) => done(`Recorded: ${path.replace('-', ' ')}`),
  });
  const extend = useMutation({
    mutationFn: async () => must(await api.POST('/visits/{visitId}/extension', { params: { path: { visitId }, header: { 'Idempotency-Key': actionKey() } }, body: { minutes: Number(minutes) } })),
    onSuccess: () => done('Asked for more time'),
  });
  const completeTicket = useMutation({
    mutationFn: async (ticketId: string) => must(await api.POST('/tickets/{ticketId}/complete', { params: { path: { ticketId }, header: { 'Idempotency-Key': actionKey() } }, body: { resolution: resolution.trim() } })),
    onSuccess: () => done('Ticket completed: the customer gets the survey'),
  });

  if (visit.isPending) return <Loader />;
  if (visit.error) return <Alert color="red">{visit.error.message}</Alert>;
  const v = visit.data;
  const error = step.error ?? extend.error ?? completeTicket.error;
  const etaIso = () => dayjs(`${dayjs().format('YYYY-MM-DD')}T${eta}`).toDate().toISOString();
  return (
    <Stack maw={640}>
      <Group justify="space-between">
        <Title order={2}>{v.skills.join(', ')}</Title>
        <Badge size="lg" color={statusColor(v.status)} data-testid="visit-status">
          {v.status}
        </Badge>
      </Group>
      <Text>
        {when(v.start)} – {v.end ? timeOfDay(v.end) : ''} ({v.durationMinutes} min)
      </Text>
      {error && (
        <Alert color="red" role="alert">
          {error.message}
        </Alert>
      )}
      {v.status === 'finalized' && (
        <Card withBorder>
          <Group align="flex-end">
            <TimeInput label="Arriving around" value={eta} onChange={(e) => setEta(e.currentTarget.value)} />
            <Button onClick={() => step.mutate({ path: 'en-route', body: { eta: etaIso() } })} loading={step.isPending}>
              On my way
            </Button>
          </Group>
        </Card>
      )}
      {v.status === 'en-route' && (
        <Button onClick={() => step.mutate({ path: 'arrived', body: {} })} loading={step.isPending}>
          I have arrived
        </Button>
      )}
      {(v.status === 'arrived' || v.status === 'cant-enter') && (
        <Button onClick={() => step.mutate({ path: 'started', body: {} })} loading={step.isPending}>
          Start the work
        </Button>
      )}
      {v.status === 'started' && (
        <Card withBorder>
          <Stack>
            <Textarea label="What you did" value={notes} onChange={(e) => setNotes(e.currentTarget.value)} />
            <Button onClick={() => step.mutate({ path: 'complete', body: { notes } })} loading={step.isPending}>
              Visit done
            </Button>
            <Group align="flex-end">
              <NumberInput label="Need more time (minutes)" min={5} max={480} value={minutes} onChange={setMinutes} w={200} />
              <Button variant="light" onClick={() => extend.mutate()} loading={extend.isPending}>
                Ask for more time
              </Button>
            </Group>
            <Group align="flex-end">
              <Select label="Cannot finish today" data={[{ value: 'needs-parts', label: 'Parts must be ordered' }, { value: 'needs-more-time', label: 'Needs another visit' }]} value={incomplete} onChange={setIncomplete} />
              <Button variant="light" color="orange" onClick={() => step.mutate({ path: 'close-incomplete', body: { reason: incomplete, note: notes } })}>
                Close unfinished
              </Button>
            </Group>
          </Stack>
        </Card>
      )}
      {(v.status === 'finalized' || v.status === 'en-route') && (
        <Card withBorder>
          <Stack>
            <Textarea label="Something wrong?" placeholder="What happened" value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
            <Group>
              <Button variant="light" color="red" disabled={!reason.trim()} onClick={() => step.mutate({ path: 'cant-arrive', body: { reason: reason.trim() } })}>
                I cannot make it
              </Button>
              {v.status === 'en-route' && (
                <Button variant="light" color="orange" onClick={() => step.mutate({ path: 'cant-enter', body: { note: reason.trim() } })}>
                  Nobody lets me in
                </Button>
              )}
            </Group>
          </Stack>
        </Card>
      )}
      {v.status === 'completed' && (
        <Card withBorder>
          <Stack>
            <Text size="sm">When this was the ticket's last visit, complete the ticket with what fixed it.</Text>
            <Textarea label="Resolution" value={resolution} onChange={(e) => setResolution(e.currentTarget.value)} />
            <Button disabled={!resolution.trim()} onClick={() => completeTicket.mutate(v.ticketId)} loading={completeTicket.isPending}>
              Complete the ticket
            </Button>
          </Stack>
        </Card>
      )}
    </Stack>
  );
}
