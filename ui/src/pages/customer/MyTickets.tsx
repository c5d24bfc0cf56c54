import { Alert, Badge, Button, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, must } from '../../api/client';
import { SignedIn } from '../../auth/session';
import { when } from '../format';
import { statusColor } from '../status';
import { useApplianceName } from './catalog';

export function MyTickets({ user }: { user: SignedIn }) {
  const applianceName = useApplianceName();
  const tickets = useQuery({
    queryKey: ['tickets', user.customerId],
    queryFn: async () => must(await api.GET('/tickets', { params: { query: { limit: 50 } } })),
  });
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">My tickets</Title>
        <Button component={Link} to="/portal/new">
          Open a ticket
        </Button>
      </Group>
      {tickets.isPending && <Loader />}
      {tickets.error && <Alert color="red">{tickets.error.message}</Alert>}
      {tickets.data && tickets.data.tickets.length === 0 && <Text c="dimmed">No tickets yet. Something not working? Open a ticket and an expert comes to you.</Text>}
      {tickets.data?.tickets.map((ticket) => (
        <Card key={ticket.ticketId} withBorder component={Link} to={`/portal/tickets/${ticket.ticketId}`} data-testid="ticket-card">
          <Group justify="space-between" wrap="nowrap">
            <Text fw={500} lineClamp={1}>
              {ticket.problem}
            </Text>
            <Badge color={statusColor(ticket.status)}>{ticket.status}</Badge>
          </Group>
          <Text size="sm" c="dimmed">
            {applianceName(ticket.appliance)} · opened {when(ticket.openedAt)}
          </Text>
          {ticket.visits.map((visit) => (
            <Text size="sm" key={visit.visitId}>
              Visit: {visit.start ? `${when(visit.start)} (${visit.status})` : 'finding an expert…'}
            </Text>
          ))}
        </Card>
      ))}
    </Stack>
  );
}
