import { Anchor, Badge, Button, Card, Group, Loader, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, must } from '../../api/client';
import { day, Invoice, money, monthName, useMe } from './account';
import { LoadFailed } from '../LoadFailed';
import { ProblemAlert } from '../expert/ProblemAlert';
import { usePdfDownload } from './pdf';

const PAGE = 12;
type Filter = 'all' | 'open' | 'paid' | 'written-off';

/** An invoice's state in the customer's words, with its colour (dark enough to read on white). */
export function invoiceState(invoice: Pick<Invoice, 'status' | 'charge'>): { label: string; color: string } {
  if (invoice.status === 'paid') return { label: 'Paid', color: 'teal.9' };
  if (invoice.status === 'written-off') return { label: 'Written off', color: 'gray.7' };
  if (invoice.charge === 'failed') return { label: 'Payment failed', color: 'red.9' };
  return { label: 'Due', color: 'orange.9' };
}

/** The months with a statement (activity on the account), newest first, and the balance owed now. */
export function useStatementMonths(customerId: string | undefined) {
  return useQuery({
    queryKey: ['customer', customerId, 'statements'],
    queryFn: async () => must(await api.GET('/customers/{customerId}/statements', { params: { path: { customerId: customerId! } } })),
    enabled: customerId !== undefined,
  });
}

/** Picks a month with activity and opens its statement. */
export function StatementPicker({ months, value }: { months: readonly string[]; value?: string }) {
  const navigate = useNavigate();
  return (
    <Select
      label="Monthly statement"
      placeholder="Pick a month"
      data={months.map((month) => ({ value: month, label: monthName(month) }))}
      value={value ?? null}
      onChange={(month) => month && navigate(`/portal/billing/${month}`)}
      allowDeselect={false}
      maw={260}
    />
  );
}

/** Billing history: totals over every invoice, then the monthly statements, newest first. */
export function BillingPage() {
  const me = useMe();
  const customerId = me.data?.customerId;
  const [filter, setFilter] = useState<Filter>('all');
  const [page, setPage] = useState(0);
  const invoices = useQuery({
    queryKey: ['customer', customerId, 'invoices', filter, page],
    queryFn: async () =>
      must(
        await api.GET('/customers/{customerId}/invoices', {
          params: { path: { customerId: customerId! }, query: { limit: PAGE, skip: page * PAGE, ...(filter === 'all' ? {} : { status: filter }) } },
        }),
      ),
    enabled: customerId !== undefined,
    placeholderData: keepPreviousData,
  });
  const statements = useStatementMonths(customerId);
  const download = usePdfDownload();
  const error = me.error ?? invoices.error;
  const summary = invoices.data?.summary;

  return (
    <Stack maw={900}>
      <Title order={1} size="h2">Billing history</Title>
      {(me.isPending || (invoices.isPending && !error)) && <Loader aria-label="Loading your invoices" />}
      {error && (
        <LoadFailed what="Your invoices" error={error} retry={() => me.error ? me.refetch() : invoices.refetch()} />
      )}
      {summary && (
        <SimpleGrid cols={{ base: 1, sm: 4 }} data-testid="billing-summary">
          <Figure label="Invoices" value={String(summary.invoices)} />
          <Figure label="Paid" value={money(summary.paidCents)} />
          <Figure label="Due" value={money(summary.openCents)} />
          <Figure label="Paid until" value={me.data?.paidUntil ? day(me.data.paidUntil) : 'Not yet paid'} />
        </SimpleGrid>
      )}
      {statements.data && statements.data.months.length > 0 && (
        <Group align="end" data-testid="statement-picker">
          <StatementPicker months={statements.data.months} />
          <Text size="sm" c="dimmed" pb={8}>
            {statements.data.balanceCents > 0 ? `Balance owed: ${money(statements.data.balanceCents)}` : statements.data.balanceCents < 0 ? `In credit: ${money(-statements.data.balanceCents)}` : 'Nothing owed'}
          </Text>
        </Group>
      )}
      {summary && summary.writtenOffCents > 0 && (
        <Text size="sm" c="dimmed">
          {money(summary.writtenOffCents)} was written off and will not be charged.
        </Text>
      )}
      {invoices.data && (
        <>
          <SegmentedControl
            aria-label="Show invoices"
            value={filter}
            onChange={(value) => {
              setFilter(value as Filter);
              setPage(0);
            }}
            data={[
              { value: 'all', label: 'All' },
              { value: 'open', label: 'Due' },
              { value: 'paid', label: 'Paid' },
              { value: 'written-off', label: 'Written off' },
            ]}
            maw={420}
          />
          {invoices.data.invoices.length === 0 ? (
            <Text c="dimmed" data-testid="no-invoices">
              {filter === 'all' ? 'No invoices yet: the first one comes at the start of the month after you buy a plan.' : 'No invoices of this kind.'}
            </Text>
          ) : (
            <Table striped withTableBorder highlightOnHover data-testid="invoices">
              <Table.Caption>Click a month for its statement.</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Month</Table.Th>
                  <Table.Th>Plans</Table.Th>
                  <Table.Th>Total</Table.Th>
                  <Table.Th>Due</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Invoice</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {invoices.data.invoices.map((invoice) => {
                  const state = invoiceState(invoice);
                  return (
                    <Table.Tr key={invoice.invoiceId} data-testid="invoice">
                      <Table.Td>
                        <Anchor component={Link} to={`/portal/billing/${invoice.period}`}>
                          {monthName(invoice.period)}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{invoice.lines.length}</Table.Td>
                      <Table.Td>{money(invoice.totalCents, invoice.currency)}</Table.Td>
                      <Table.Td>{day(invoice.dueAt)}</Table.Td>
                      <Table.Td>
                        <Badge color={state.color} variant="filled">
                          {state.label}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Button
                          variant="subtle"
                          size="compact-sm"
                          aria-label={`Download the invoice for ${monthName(invoice.period)} (PDF)`}
                          loading={download.isPending && download.variables?.kind === 'invoice' && download.variables.period === invoice.period}
                          onClick={() => download.mutate({ kind: 'invoice', customerId: invoice.customerId, period: invoice.period })}
                        >
                          Download PDF
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          )}
          <ProblemAlert error={download.error} title="The PDF could not be downloaded" />
          {(page > 0 || invoices.data.invoices.length === PAGE) && (
            <Group>
              <Button variant="default" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
                Newer
              </Button>
              <Button variant="default" disabled={invoices.data.invoices.length < PAGE} onClick={() => setPage((p) => p + 1)}>
                Older
              </Button>
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text fw={700} size="lg">
        {value}
      </Text>
    </Card>
  );
}
