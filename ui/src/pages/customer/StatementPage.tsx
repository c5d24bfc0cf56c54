import { Alert, Anchor, Badge, Button, Card, Group, List, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, ApiError, must } from '../../api/client';
import type { Answer } from '../../api/answers';
import { when } from '../format';
import { day, money, monthName, productName, tierName, useMe } from './account';
import { invoiceState, StatementPicker, useStatementMonths } from './BillingPage';
import { LoadFailed } from '../LoadFailed';
import { ProblemAlert } from '../expert/ProblemAlert';
import { usePdfDownload } from './pdf';

type InvoiceAnswer = Answer<'/customers/{customerId}/invoices/{period}', 'get'>;
type MonthlyStatement = Answer<'/customers/{customerId}/statements/{month}', 'get'>;
type Entry = MonthlyStatement['entries'][number];

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const isMissing = (error: Error | null) => error instanceof ApiError && (error.problem.status === 404 || error.problem.status === 400);

const KIND: Record<Entry['kind'], string> = { invoice: 'Invoice', payment: 'Payment', 'credit-note': 'Credit note', refund: 'Refund', 'write-off': 'Write-off' };

/** One month's statement (opening balance, what happened, closing balance) and that month's invoice, each downloadable as PDF. */
export function StatementPage() {
  const { period = '' } = useParams();
  const me = useMe();
  const customerId = me.data?.customerId;
  const months = useStatementMonths(customerId);
  const statement = useQuery({
    queryKey: ['customer', customerId, 'statement', period],
    queryFn: async () => must(await api.GET('/customers/{customerId}/statements/{month}', { params: { path: { customerId: customerId!, month: period } } })),
    enabled: customerId !== undefined && MONTH.test(period),
  });
  const invoice = useQuery({
    queryKey: ['customer', customerId, 'invoice', period],
    queryFn: async () => must(await api.GET('/customers/{customerId}/invoices/{period}', { params: { path: { customerId: customerId!, period } } })),
    enabled: customerId !== undefined && MONTH.test(period),
  });
  const download = usePdfDownload();
  const valid = MONTH.test(period);
  const statementMissing = !valid || isMissing(statement.error);
  const statementFailed = valid && statement.error && !isMissing(statement.error) ? statement.error : null;
  const invoiceFailed = invoice.error && !isMissing(invoice.error) ? invoice.error : null;
  const month = valid ? monthName(period) : period;

  return (
    <Stack maw={860}>
      <Anchor component={Link} to="/portal/billing" size="sm">
        ← Billing history
      </Anchor>
      <Title order={1} size="h2">Statement for {month}</Title>
      {months.data && months.data.months.length > 0 && <StatementPicker months={months.data.months} value={valid ? period : undefined} />}
      {(me.isPending || (valid && statement.isPending && !statement.error)) && <Loader aria-label="Loading the statement" />}
      {me.error && <LoadFailed what="Your account" error={me.error} retry={() => me.refetch()} />}
      {customerId && statementMissing && (
        <Alert color="yellow" title="No statement for this month" data-testid="no-statement">
          There is no statement for {period}: statements run from your first invoice to this month. See your billing history for the months billed.
        </Alert>
      )}
      {statementFailed && <LoadFailed what="The statement" error={statementFailed} retry={() => statement.refetch()} />}
      {statement.data && (
        <>
          <Group>
            <Button
              variant="light"
              loading={download.isPending && download.variables?.kind === 'statement'}
              onClick={() => download.mutate({ kind: 'statement', customerId: customerId!, month: period })}
            >
              Download statement (PDF)
            </Button>
          </Group>
          <MonthlyStatementView statement={statement.data} />
        </>
      )}
      {(statement.data || invoice.data) && (
        <Stack gap="sm" mt="md">
          <Title order={2} size="h3">
            Invoice for {month}
          </Title>
          {invoice.isPending && !invoice.error && <Loader aria-label="Loading the invoice" />}
          {invoice.error && isMissing(invoice.error) && <Text c="dimmed">No invoice was issued for this month.</Text>}
          {invoiceFailed && <LoadFailed what="The invoice" error={invoiceFailed} retry={() => invoice.refetch()} />}
          {invoice.data && (
            <>
              <Group>
                <Button
                  variant="light"
                  loading={download.isPending && download.variables?.kind === 'invoice'}
                  onClick={() => download.mutate({ kind: 'invoice', customerId: customerId!, period })}
                >
                  Download invoice (PDF)
                </Button>
              </Group>
              <Statement invoice={invoice.data} />
            </>
          )}
        </Stack>
      )}
      <ProblemAlert error={download.error} title="The PDF could not be downloaded" />
    </Stack>
  );
}

/** The month in figures, then every movement with the balance after it. */
function MonthlyStatementView({ statement }: { statement: MonthlyStatement }) {
  const { totals, currency } = statement;
  const amount = (cents: number) => money(cents, currency);
  return (
    <>
      <SimpleGrid cols={{ base: 2, sm: 4 }} data-testid="statement-summary">
        <Fact label="Opening balance" value={amount(statement.openingBalanceCents)} />
        <Fact label="Invoiced" value={amount(totals.invoicedCents)} />
        <Fact label="Paid" value={amount(totals.paidCents)} />
        <Fact label="Closing balance" value={amount(statement.closingBalanceCents)} />
        {totals.creditedCents > 0 && <Fact label="Credited" value={amount(totals.creditedCents)} />}
        {totals.refundedCents > 0 && <Fact label="Refunded" value={amount(totals.refundedCents)} />}
        {totals.writtenOffCents > 0 && <Fact label="Written off" value={amount(totals.writtenOffCents)} />}
        {statement.tax && <Fact label={`Tax included (${statement.tax.rate})`} value={amount(statement.tax.cents)} />}
      </SimpleGrid>
      {statement.entries.length === 0 ? (
        <Text c="dimmed" data-testid="no-activity">
          Nothing happened on your account this month.
        </Text>
      ) : (
        <Table withTableBorder striped data-testid="statement-activity">
          <Table.Caption>Amounts add to what you owe; payments, credits and write-offs are negative.</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Date</Table.Th>
              <Table.Th>What</Table.Th>
              <Table.Th>Details</Table.Th>
              <Table.Th ta="right">Amount</Table.Th>
              <Table.Th ta="right">Balance</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {statement.entries.map((entry, i) => (
              <Table.Tr key={`${entry.kind}:${entry.invoiceId}:${entry.reference ?? ''}:${i}`} data-testid="statement-entry">
                <Table.Td>{day(entry.at)}</Table.Td>
                <Table.Td>{KIND[entry.kind]}</Table.Td>
                <Table.Td>{entry.description}</Table.Td>
                <Table.Td ta="right">{amount(entry.amountCents)}</Table.Td>
                <Table.Td ta="right">{amount(entry.balanceCents)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </>
  );
}

/** The month's invoice: the plans billed, the total, and how charging it went. */
function Statement({ invoice }: { invoice: InvoiceAnswer }) {
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
