import { Alert, Badge, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, must } from '../../api/client';
import { SignedIn } from '../../auth/session';
import { statusColor } from '../status';

export function MyTickets({ user }: { user: SignedIn }) {
  const tickets = useQuery({
    queryKey: ['tickets', user.customerId],
    queryFn: async () => must(await api.GET('/tickets', { params: { query: { limit: 50 } } })),
  });
  return (
    <Stack>
      <Title order={2}>My tickets</Title>
      {tickets.isPending && <Loader />}
      {tickets.error && <Alert color="red">{tickets.error.message}</Alert>}
      {tickets.data && tickets.data.tickets.length === 0 && <Text c="dimmed">No tickets yet.</Text>}
      {tickets.data?.tickets.map((ticket) => (
        <Card key={ticket.ticketId} withBorder data-testid="ticket-card">
          <Group justify="space-between">
            <Text fw={500}>{ticket.problem}</Text>
            <Badge color={statusColor(ticket.status)}>{ticket.status}</Badge>
          </Group>
          <Text size="sm" c="dimmed">
            Opened {new Date(ticket.openedAt).toLocaleString()}
          </Text>
        </Card>
      ))}
    </Stack>
  );
}
