import { Alert, Anchor, Badge, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, must } from '../../api/client';
import { SignedIn } from '../../auth/session';

/** Staff land here; the helpdesk, admin, manager and ops consoles build on this shell. */
export function StaffHome({ user }: { user: SignedIn }) {
  return (
    <Stack>
      <Title order={1} size="h2">
        Welcome, {user.email}
      </Title>
      <Text>
        The API and its documentation: <Anchor href="/docs">/docs</Anchor>.
      </Text>
      {user.role === 'admin' && <Pipeline />}
    </Stack>
  );
}

/** Read models and sagas: how far behind the event store each is (admins). */
function Pipeline() {
  const status = useQuery({ queryKey: ['pipeline'], queryFn: async () => must(await api.GET('/projections')), refetchInterval: 5000 });
  if (status.isPending) return <Loader aria-label="Loading the pipeline status" />;
  if (status.error) return <Alert color="red">{status.error.message}</Alert>;
  const rows = [...status.data.projections.map((p) => ({ kind: 'read model', ...p })), ...status.data.sagas.map((s) => ({ kind: 'saga', ...s }))];
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Read models and sagas
      </Title>
      <Table striped withTableBorder>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Kind</Table.Th>
            <Table.Th>Position</Table.Th>
            <Table.Th>Behind</Table.Th>
            <Table.Th>Events/s</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={`${r.kind}:${r.name}`}>
              <Table.Td>{r.name}</Table.Td>
              <Table.Td>{r.kind}</Table.Td>
              <Table.Td>{r.position}</Table.Td>
              <Table.Td>
                <Badge color={r.lag === 0 ? 'green' : r.lag < 0 ? 'red' : 'yellow'} variant="light">
                  {r.lag < 0 ? `ahead by ${-r.lag}` : r.lag}
                </Badge>
              </Table.Td>
              <Table.Td>{r.eventsPerSecond ?? '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="sm">
        Outbox: {status.data.outbox.pending} pending, {status.data.outbox.parked} parked, {status.data.outbox.sent} sent.
      </Text>
    </Stack>
  );
}
