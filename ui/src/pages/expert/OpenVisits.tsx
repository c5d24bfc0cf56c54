import { Alert, Badge, Button, Card, Chip, Group, Loader, Modal, Stack, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, must } from '../../api/client';
import type { Answer } from '../../api/answers';
import { SignedIn } from '../../auth/session';
import { useOnline } from '../../offline/OfflineProvider';
import { timeOfDay, when } from '../format';
import { useCommand } from './command';
import { ProblemAlert } from './ProblemAlert';

type FeedVisit = Answer<'/visits/feed', 'get'>['visits'][number];

/** Marked once, when the first open visit is on screen: the feed's time to interactive. */
let feedShown = false;

/**
 * The open visits the expert can take (their skills, their area, their hours), live: a visit
 * opened appears and a visit taken goes without a reload (socket events invalidate the feed).
 * Proposing every start that suits them takes a few taps; proposals can be withdrawn.
 */
export function OpenVisits({ user }: { user: SignedIn }) {
  const online = useOnline();
  const feed = useQuery({
    queryKey: ['feed', user.expertId],
    queryFn: async () => must(await api.GET('/visits/feed', { params: { query: { limit: 100 } } })),
    refetchInterval: 60_000,
  });
  const [proposing, setProposing] = useState<FeedVisit | null>(null);
  const visits = feed.data?.visits;

  useEffect(() => {
    if (!feedShown && visits && visits.length > 0) {
      feedShown = true;
      performance.mark('feed-interactive');
    }
  }, [visits]);

  return (
    <Stack>
      <Title order={1} size="h2">Open visits</Title>
      <Text size="sm" c="gray.7">
        Visits your skills cover, in your area and hours. Propose every start that suits you: the earliest proposals win when times tie.
      </Text>
      {feed.isPending && feed.fetchStatus === 'paused' && (
        <Alert color="gray" title="You are offline">
          Open visits show here when you are back online. Your schedule is on this device: see My schedule.
        </Alert>
      )}
      {feed.isPending && feed.fetchStatus !== 'paused' && <Loader aria-label="Loading open visits" />}
      {feed.error && <ProblemAlert error={feed.error} title="Could not load the open visits" />}
      {visits && !online && (
        <Text size="sm" c="gray.7">
          Offline: these were open at {timeOfDay(new Date(feed.dataUpdatedAt).toISOString())}.
        </Text>
      )}
      {visits?.length === 0 && <Text c="gray.7">Nothing open for you right now; new visits appear here as they come.</Text>}
      {visits?.map((visit) => <FeedCard key={visit.visitId} visit={visit} user={user} onPropose={() => setProposing(visit)} />)}
      {proposing && (
        <ProposeSlots
          visit={proposing}
          mine={proposing.proposals.find((p) => p.expertId === user.expertId)?.starts ?? []}
          onClose={() => setProposing(null)}
        />
      )}
    </Stack>
  );
}

function FeedCard({ visit, user, onPropose }: { visit: FeedVisit; user: SignedIn; onPropose: () => void }) {
  const mine = visit.proposals.find((p) => p.expertId === user.expertId)?.starts ?? [];
  const withdraw = useCommand({ sent: 'Proposals withdrawn' });
  const title = visit.skills.join(', ');
  return (
    <Card withBorder data-testid="feed-visit" component="article" aria-label={`Open visit: ${title}`}>
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Title order={2} size="h4">
          {title}
        </Title>
        <Group gap={4} wrap="nowrap">
          {visit.priority !== 'normal' && (
            <Badge color={visit.priority === 'urgent' || visit.priority === 'high' ? 'red.9' : 'gray.8'} variant="filled">
              {visit.priority}
            </Badge>
          )}
          <Badge color="indigo.9" variant="filled">
            {visit.durationMinutes} min
          </Badge>
        </Group>
      </Group>
      {visit.problem && (
        <Text size="sm" mt={4} lineClamp={3} data-testid="feed-problem">
          {visit.problem}
        </Text>
      )}
      <Text size="xs" fw={600} mt="xs" c="gray.7">
        Customer is home
      </Text>
      {visit.windows.map((w) => (
        <Text size="sm" key={w.start}>
          {when(w.start)} – {timeOfDay(w.end)}
        </Text>
      ))}
      {mine.length > 0 && (
        <Text size="sm" mt="xs" data-testid="my-proposal">
          You proposed {mine.map(when).join(', ')}
        </Text>
      )}
      <ProblemAlert error={withdraw.error} />
      <Group mt="sm" gap="xs">
        <Button size="sm" onClick={onPropose}>
          {mine.length > 0 ? 'Change my times' : 'Propose times'}
        </Button>
        {mine.length > 0 && (
          <Button
            size="sm"
            variant="outline"
            color="red.9"
            loading={withdraw.isPending}
            onClick={() => withdraw.mutate({ command: { kind: 'withdraw', visitId: visit.visitId }, label: `Withdraw my times: ${title}` })}
          >
            Withdraw
          </Button>
        )}
      </Group>
    </Card>
  );
}

function ProposeSlots({ visit, mine, onClose }: { visit: FeedVisit; mine: string[]; onClose: () => void }) {
  // The server's list: inside the customer's windows and this expert's hours, clear of their calendar.
  const options = visit.openStarts;
  const [picked, setPicked] = useState<string[]>(mine.filter((s) => options.includes(s)));
  const small = useMediaQuery('(max-width: 36em)');
  const propose = useCommand({ sent: 'Proposed', onDone: onClose });
  const label = `Propose ${picked.length} start${picked.length === 1 ? '' : 's'}: ${visit.skills.join(', ')}`;
  return (
    <Modal opened onClose={onClose} title={`Propose starts: ${visit.skills.join(', ')}, ${visit.durationMinutes} min`} size="lg" fullScreen={small} closeButtonProps={{ 'aria-label': 'Close' }}>
      <Stack>
        {visit.problem && <Text size="sm">{visit.problem}</Text>}
        {options.length === 0 && <Text c="gray.7">No start fits both the customer's windows and your hours any more.</Text>}
        <Chip.Group multiple value={picked} onChange={setPicked}>
          <Group gap="xs" role="group" aria-label="Starts that fit the customer's windows and your hours">
            {options.map((start) => (
              <Chip key={start} value={start} size="md">
                {when(start)}
              </Chip>
            ))}
          </Group>
        </Chip.Group>
        <ProblemAlert error={propose.error} title="Could not propose" />
        <Button
          disabled={picked.length === 0}
          loading={propose.isPending}
          onClick={() => propose.mutate({ command: { kind: 'propose', visitId: visit.visitId, body: { starts: [...picked].sort() } }, label })}
        >
          Propose {picked.length || ''} start{picked.length === 1 ? '' : 's'}
        </Button>
      </Stack>
    </Modal>
  );
}
