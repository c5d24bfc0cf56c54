import { Alert, Badge, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, must } from '../../api/client';
import { SignedIn } from '../../auth/session';

export function OpenVisits({ user }: { user: SignedIn }) {
  const feed = useQuery({
    queryKey: ['feed', user.expertId],
    queryFn: async () => must(await api.GET('/visits/feed')),
  });
  return (
    <Stack>
      <Title order={2}>Open visits</Title>
      {feed.isPending && <Loader />}
      {feed.error && <Alert color="red">{feed.error.message}</Alert>}
      {feed.data?.visits.map((visit) => (
        <Card key={visit.visitId} withBorder data-testid="feed-visit">
          <Group justify="space-between">
            <Text fw={500}>{visit.skills.join(', ')}</Text>
            <Badge>{visit.durationMinutes} min</Badge>
          </Group>
        </Card>
      ))}
    </Stack>
  );
}
