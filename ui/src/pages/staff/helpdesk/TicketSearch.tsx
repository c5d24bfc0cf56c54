import { Anchor, Badge, Button, Group, Loader, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, must } from '../../../api/client';
import { useApplianceName } from '../../customer/catalog';
import { ProblemAlert } from '../../expert/ProblemAlert';
import { when } from '../../format';
import { statusColor } from '../../status';
import { flagReason } from './words';

const PAGE = 25;

/** Find a ticket by its id, the customer (name, e-mail, id), the appliance or the problem's words. */
export function TicketSearch() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [typed, setTyped] = useState(q);
  const [skip, setSkip] = useState(0);
  const applianceName = useApplianceName();
  const found = useQuery({
    queryKey: ['tickets', 'search', q, skip],
    queryFn: async () => must(await api.GET('/helpdesk/tickets/search', { params: { query: { q, limit: PAGE, skip } } })),
    enabled: q.length > 0,
    placeholderData: keepPreviousData,
    retry: false,
  });
  return (
    <Stack>
      <Title order={1} size="h2">
        Find a ticket
      </Title>
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSkip(0);
          setParams(typed.trim() ? { q: typed.trim() } : {});
        }}
      >
        <Group align="flex-end">
          <TextInput label="Ticket id, customer, model or words of the problem" placeholder="e.g. Casey, Whirlpool, leaks" value={typed} onChange={(e) => setTyped(e.currentTarget.value)} w={420} />
          <Button type="submit">Search</Button>
        </Group>
      </form>
      <ProblemAlert error={found.error} />
      {found.isFetching && <Loader size="sm" aria-label="Searching" />}
      {found.data && (
        <>
          <Text size="sm" c="dimmed" aria-live="polite">
            {found.data.total === 0 ? `No ticket matches “${q}”.` : `${found.data.total} ticket${found.data.total === 1 ? '' : 's'} match “${q}”, newest first.`}
          </Text>
          {found.data.results.length > 0 && (
            <Table.ScrollContainer minWidth={800}>
              <Table striped highlightOnHover withTableBorder>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Ticket</Table.Th>
                    <Table.Th>Customer</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Opened</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {found.data.results.map(({ ticket, customer }) => (
                    <Table.Tr key={ticket.ticketId} data-testid="search-result">
                      <Table.Td>
                        <Anchor component={Link} to={`/staff/helpdesk/tickets/${ticket.ticketId}`} fw={500}>
                          {applianceName(ticket.appliance)}
                        </Anchor>
                        <Text size="xs" c="dimmed" lineClamp={1} maw={360}>
                          {ticket.ticketId} · {ticket.problem}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{customer?.name ?? ticket.customerId}</Text>
                        <Text size="xs" c="dimmed">
                          {customer?.email}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          <Badge color={statusColor(ticket.status)}>{ticket.status}</Badge>
                          {ticket.flags.map((f) => (
                            <Badge key={f.reason} color="orange" variant="light">
                              {flagReason(f.reason)}
                            </Badge>
                          ))}
                        </Group>
                      </Table.Td>
                      <Table.Td>{when(ticket.openedAt)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          {found.data.total > PAGE && (
            <Group>
              <Button variant="default" disabled={skip === 0} onClick={() => setSkip(Math.max(0, skip - PAGE))}>
                Previous page
              </Button>
              <Text size="sm">
                {skip + 1}–{Math.min(skip + PAGE, found.data.total)} of {found.data.total}
              </Text>
              <Button variant="default" disabled={skip + PAGE >= found.data.total} onClick={() => setSkip(skip + PAGE)}>
                Next page
              </Button>
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}
