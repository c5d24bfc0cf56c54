import { Anchor, Badge, Button, Group, Loader, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, must } from '../../../api/client';
import type { Answer } from '../../../api/answers';
import type { Role } from '../../../auth/session';
import { LoadFailed } from '../../LoadFailed';
import { when } from '../../format';
import { ProblemAlert } from '../../expert/ProblemAlert';
import { day, money, monthName } from '../../customer/account';
import { useAction } from './action';

type DunningItem = Answer<'/billing/dunning', 'get'>['items'][number];
type Filter = 'all' | 'retrying' | 'past-due';

const PAGE = 25;
/** Who may start a charge attempt by hand (the retry route's roles). */
const RETRIERS: readonly Role[] = ['helpdesk', 'admin'];

/**
 * Customers in dunning: invoices whose last charge failed, with the decline, the attempts made,
 * when the next automatic retry comes, and the accounts past due (no retry left), whom helpdesk
 * calls. A retry by hand suits a customer who has just changed their card.
 */
export function DunningPage({ role }: { role: Role }) {
  const [filter, setFilter] = useState<Filter>('all');
  const [page, setPage] = useState(0);
  const dunning = useQuery({
    queryKey: ['billing', 'dunning', filter, page],
    queryFn: async () =>
      must(
        await api.GET('/billing/dunning', {
          params: { query: { limit: PAGE, skip: page * PAGE, ...(filter === 'all' ? {} : { pastDue: filter === 'past-due' ? 'true' : 'false' }) } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const queries = useQueryClient();
  const retry = useAction(
    async (item: DunningItem, key: string) =>
      must(await api.POST('/customers/{customerId}/invoices/{period}/retry', { params: { path: { customerId: item.customer.customerId, period: item.period }, header: { 'Idempotency-Key': key } } })),
    { done: (answer) => `Charging ${monthName(answer.period)} again (attempt ${answer.attempts}).`, onDone: () => void queries.invalidateQueries({ queryKey: ['billing'] }) },
  );

  return (
    <Stack>
      <Title order={1} size="h2">
        Customers in dunning
      </Title>
      <Text size="sm" c="dimmed">
        Invoices whose last charge was declined. They are charged again automatically on the schedule; past due means no attempt is left: call the customer to update their card.
      </Text>
      <SegmentedControl
        aria-label="Show"
        value={filter}
        onChange={(value) => {
          setFilter(value as Filter);
          setPage(0);
        }}
        data={[
          { value: 'all', label: 'All' },
          { value: 'retrying', label: 'Being retried' },
          { value: 'past-due', label: 'Past due' },
        ]}
        maw={420}
      />
      {dunning.isPending && <Loader aria-label="Loading the customers in dunning" />}
      {dunning.error && <LoadFailed what="The customers in dunning" error={dunning.error} retry={() => dunning.refetch()} />}
      <ProblemAlert error={retry.error} />
      {dunning.data &&
        (dunning.data.items.length === 0 ? (
          <Text c="dimmed" data-testid="no-dunning">
            {filter === 'all' ? 'No customer is in dunning: every charge went through.' : 'None of this kind.'}
          </Text>
        ) : (
          <Table striped withTableBorder data-testid="dunning">
            <Table.Caption>
              {dunning.data.total} invoice{dunning.data.total === 1 ? '' : 's'} in dunning
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Customer</Table.Th>
                <Table.Th>Month</Table.Th>
                <Table.Th ta="right">Due</Table.Th>
                <Table.Th>Attempts</Table.Th>
                <Table.Th>Last decline</Table.Th>
                <Table.Th>Next retry</Table.Th>
                {RETRIERS.includes(role) && <Table.Th>Action</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {dunning.data.items.map((item) => (
                <Table.Tr key={item.invoiceId} data-testid="dunning-item">
                  <Table.Td>
                    <Anchor component={Link} to={`/staff/helpdesk/new?customer=${encodeURIComponent(item.customer.customerId)}`} fw={500}>
                      {item.customer.name}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      {item.customer.phone} · {item.customer.email}
                    </Text>
                  </Table.Td>
                  <Table.Td>{monthName(item.period)}</Table.Td>
                  <Table.Td ta="right">{money(item.amountDueCents, item.currency)}</Table.Td>
                  <Table.Td>
                    {item.attempts} of {item.maxAttempts}
                  </Table.Td>
                  <Table.Td>
                    {item.lastFailure.reason}
                    <Text size="xs" c="dimmed">
                      {item.lastFailure.gatewayCode ?? 'no answer from the gateway'}, {when(item.lastFailure.failedAt)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {item.pastDue ? (
                      <Badge color="red.9" variant="filled">
                        Past due
                      </Badge>
                    ) : (
                      day(item.nextRetryAt)
                    )}
                  </Table.Td>
                  {RETRIERS.includes(role) && (
                    <Table.Td>
                      {!item.pastDue && (
                        <Button
                          size="compact-sm"
                          variant="light"
                          aria-label={`Charge ${item.customer.name}'s invoice for ${monthName(item.period)} again now`}
                          loading={retry.isPending && retry.variables?.invoiceId === item.invoiceId}
                          onClick={() => retry.mutate(item)}
                        >
                          Retry now
                        </Button>
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ))}
      {dunning.data && (page > 0 || (page + 1) * PAGE < dunning.data.total) && (
        <Group>
          <Button variant="default" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
            Previous
          </Button>
          <Button variant="default" disabled={(page + 1) * PAGE >= dunning.data.total} onClick={() => setPage((p) => p + 1)}>
            Next
          </Button>
        </Group>
      )}
    </Stack>
  );
}
