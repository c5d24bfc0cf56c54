import { Alert, Badge, Button, Card, Chip, Group, Loader, Modal, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { actionKey, api, must } from '../../api/client';
import type { Answer } from '../../api/answers';
import { SignedIn } from '../../auth/session';
import { timeOfDay, when } from '../format';
import { startsIn } from './starts';

type FeedVisit = Answer<'/visits/feed', 'get'>['visits'][number];

/** The open visits the expert can take (their skills, their area), live; proposing every start that suits them. */
export function OpenVisits({ user }: { user: SignedIn }) {
  const feed = useQuery({
    queryKey: ['feed', user.expertId],
    queryFn: async () => must(await api.GET('/visits/feed', { params: { query: { limit: 100 } } })),
    refetchInterval: 60_000,
  });
  const [proposing, setProposing] = useState<FeedVisit | null>(null);
  return (
    <Stack>
      <Title order={2}>Open visits</Title>
      <Text size="sm" c="dimmed">
        Visits your skills cover, in your area. Propose every start that suits you: the earliest proposals win when times tie.
      </Text>
      {feed.isPending && <Loader />}
      {feed.error && <Alert color="red">{feed.error.message}</Alert>}
      {feed.data?.visits.length === 0 && <Text c="dimmed">Nothing open for you right now; new visits appear here as they come.</Text>}
      {feed.data?.visits.map((visit) => (
        <Card key={visit.visitId} withBorder data-testid="feed-visit">
          <Group justify="space-between">
            <Text fw={500}>{visit.skills.join(', ')}</Text>
            <Group gap="xs">
              <Badge variant="light">{visit.priority}</Badge>
              <Badge>{visit.durationMinutes} min</Badge>
            </Group>
          </Group>
          {visit.windows.map((w) => (
            <Text size="sm" key={w.start}>
              {when(w.start)} – {timeOfDay(w.end)}
            </Text>
          ))}
          <Group mt="xs">
            <Button size="xs" onClick={() => setProposing(visit)}>
              {visit.proposals.some((p) => p.expertId === user.expertId) ? 'Change my times' : 'Propose times'}
            </Button>
          </Group>
        </Card>
      ))}
      {proposing && <ProposeSlots visit={proposing} mine={proposing.proposals.find((p) => p.expertId === user.expertId)?.starts ?? []} onClose={() => setProposing(null)} />}
    </Stack>
  );
}

function ProposeSlots({ visit, mine, onClose }: { visit: FeedVisit; mine: string[]; onClose: () => void }) {
  const options = useMemo(() => startsIn(visit.windows, visit.durationMinutes), [visit]);
  const [picked, setPicked] = useState<string[]>(mine.filter((s) => options.includes(s)));
  const [key] = useState(actionKey);
  const queries = useQueryClient();
  const propose = useMutation({
    mutationFn: async () =>
      must(await api.POST('/visits/{visitId}/proposals', { params: { path: { visitId: visit.visitId }, header: { 'Idempotency-Key': key } }, body: { starts: [...picked].sort() } })),
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: ['feed'] });
      void queries.invalidateQueries({ queryKey: ['visits'] });
      notifications.show({ color: 'green', title: 'Proposed', message: `${picked.length} start${picked.length > 1 ? 's' : ''} sent; you will be told if the visit is yours.` });
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={`Propose starts: ${visit.skills.join(', ')}, ${visit.durationMinutes} min`} size="lg">
      <Stack>
        {options.length === 0 && <Text c="dimmed">No start fits the customer's windows any more.</Text>}
        <Chip.Group multiple value={picked} onChange={setPicked}>
          <Group gap="xs">
            {options.map((start) => (
              <Chip key={start} value={start} size="sm">
                {when(start)}
              </Chip>
            ))}
          </Group>
        </Chip.Group>
        {propose.error && (
          <Alert color="red" role="alert">
            {propose.error.message}
          </Alert>
        )}
        <Button disabled={picked.length === 0} loading={propose.isPending} onClick={() => propose.mutate()}>
          Propose {picked.length || ''} start{picked.length === 1 ? '' : 's'}
        </Button>
      </Stack>
    </Modal>
  );
}
