import { Alert, Badge, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, must } from '../../api/client';
import { timeOfDay, when } from '../format';
import { statusColor } from '../status';

/** The expert's visits to do, and the open visits they proposed for. */
export function MySchedule() {
  const mine = useQuery({ queryKey: ['visits', 'mine'], queryFn: async () => must(await api.GET('/visits/mine', { params: { query: {} } })) });
  if (mine.isPending) return <Loader />;
  if (mine.error) return <Alert color="red">{mine.error.message}</Alert>;
  return (
    <Stack>
      <Title order={2}>My schedule</Title>
      {mine.data.scheduled.length === 0 && <Text c="dimmed">No visits booked yet.</Text>}
      {mine.data.scheduled.map((v) => (
        <Card key={v.visitId} withBorder component={Link} to={`/field/visits/${v.visitId}`} data-testid="scheduled-visit">
          <Group justify="space-between">
            <Text fw={500}>
              {when(v.start)} – {v.end ? timeOfDay(v.end) : ''}
            </Text>
            <Badge color={statusColor(v.status)}>{v.status}</Badge>
          </Group>
          <Text size="sm">{v.skills.join(', ')}</Text>
        </Card>
      ))}
      <Title order={4}>Waiting for the customer's match</Title>
      {mine.data.proposed.length === 0 && <Text c="dimmed">No open proposals.</Text>}
      {mine.data.proposed.map((v) => (
        <Card key={v.visitId} withBorder data-testid="proposed-visit">
          <Text size="sm">
            {v.skills.join(', ')} · you proposed {v.proposals.find(() => true) ? v.proposals.flatMap((p) => p.starts).map(when).join(', ') : 'a direct assignment'}
          </Text>
        </Card>
      ))}
    </Stack>
  );
}
