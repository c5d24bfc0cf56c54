import { Alert, Anchor, Badge, Card, Group, List, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, ApiError, must } from '../../api/client';
import type { Answer } from '../../api/answers';
import { when } from '../format';
import { day, money, monthName, productName, tierName, useMe } from './account';
import { invoiceState } from './BillingPage';
import { LoadFailed } from '../LoadFailed';

type StatementAnswer = Answer<'/customers/{customerId}/invoices/{period}', 'get'>;

/** One month's statement: the plans billed, the total, and how charging it went. */
export function StatementPage() {
  const { period = '' } = useParams();
  const me = useMe();
  const customerId = me.data?.customerId;
  const invoice = useQuery({
    queryKey: ['customer', customerId, 'invoice', period],
    queryFn: async () => must(await api.GET('/customers/{customerId}/invoices/{period}', { params: { path: { customerId: customerId!, period } } })),
    enabled: customerId !== undefined,
  });
  const error = me.error ?? invoice.error;
  const missing = error instanceof ApiError && (error.problem.status === 404 || error.problem.status === 400);

  return (
    <Stack maw={760}>
      <Anchor component={Link} to="/portal/billing" size="sm">
        ← Billing history
      </Anchor>
      <Title order={1} size="h2">Statement for {/^\d{4}-\d{2}$/.test(period) ? monthName(period) : period}</Title>
      {(me.isPending || (invoice.isPending && !error)) && <Loader aria-label="Loading the statement" />}
      {error &&
        (missing ? (
          <Alert color="yellow" title="No invoice for this month" data-testid="no-statement">
            There is no invoice for {period}: see your billing history for the months billed.
          </Alert>
        ) : (
          <LoadFailed what="The statement" error={error} retry={() => me.error ? me.refetch() : invoice.refetch()} />
        ))}
      {invoice.data && <Statement invoice={invoice.data} />}
    </Stack>
  );
}

function Statement({ invoice }: { invoice: StatementAnswer }) {
  const state = invoiceState(invoice);
  return (
    <>
      <Group>
        <Badge size="lg" color={state.color} data-testid="statement-state">
          {state.label}
        </Badge>
        <Text size="sm" c="dimmed">
          Invoice {invoice.invoiceId}
        </Text>
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Fact label="Issued" value={day(invoice.issuedAt)} />
        <Fact label="Due" value={day(invoice.dueAt)} />
        <Fact label={invoice.paidAt ? 'Paid' : 'Charge attempts'} value={invoice.paidAt ? day(invoice.paidAt) : String(invoice.attempts)} />
      </SimpleGrid>
      <Table withTableBorder data-testid="statement-lines">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Plan</Table.Th>
            <Table.Th>Tier</Table.Th>
            <Table.Th ta="right">Amount</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {invoice.lines.map((line) => (
            <Table.Tr key={line.planId}>
              <Table.Td>{line.kind === 'credit' ? 'Credit from an earlier invoice' : productName(line.product)}</Table.Td>
              <Table.Td>{line.tier ? tierName(line.tier) : ''}</Table.Td>
              <Table.Td ta="right">{money(line.amountCents, invoice.currency)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          <Table.Tr>
            <Table.Th colSpan={2}>Total</Table.Th>
            <Table.Th ta="right" data-testid="statement-total">
              {money(invoice.totalCents, invoice.currency)}
            </Table.Th>
          </Table.Tr>
        </Table.Tfoot>
      </Table>
      {invoice.paidUntil && <Text size="sm">This payment covers your support until {day(invoice.paidUntil)}.</Text>}
      {invoice.gatewayReference && (
        <Text size="sm" c="dimmed">
          Payment reference: {invoice.gatewayReference}
        </Text>
      )}
      {invoice.writtenOff && (
        <Alert color="gray" title="Written off">
          This invoice will not be charged: {invoice.writtenOff.reason} ({day(invoice.writtenOff.at)}).
        </Alert>
      )}
      {invoice.failures.length > 0 && (
        <Stack gap={4}>
          <Title order={2} size="h5">
            Charge attempts that failed
          </Title>
          <List size="sm">
            {invoice.failures.map((f) => (
              <List.Item key={f.attempt}>
                Attempt {f.attempt}, {when(f.failedAt)}: {f.reason}
              </List.Item>
            ))}
          </List>
          {invoice.status === 'open' && (
            <Text size="sm">
              We try again automatically. If your card changed, <Anchor component={Link} to="/portal/payment">update your payment method</Anchor>.
            </Text>
          )}
        </Stack>
      )}
    </>
  );
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text fw={600}>{value}</Text>
    </Card>
  );
}
