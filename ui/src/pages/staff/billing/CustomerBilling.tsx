import { Anchor, Badge, Button, Card, Loader, SimpleGrid, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, must } from '../../../api/client';
import { LoadFailed } from '../../LoadFailed';
import { day, Invoice, money, monthName } from '../../customer/account';
import { invoiceState } from '../../customer/BillingPage';
import { InvoicePanel } from './InvoicePanel';

const PAGE = 24;

/** One customer's invoices, newest first, with what was paid, credited and refunded; one opened below. */
export function CustomerBilling({ canGiveBack }: { canGiveBack: boolean }) {
  const customerId = useParams().customerId!;
  const [opened, setOpened] = useState<string | null>(null);
  const customer = useQuery({ queryKey: ['billing', customerId, 'customer'], queryFn: async () => must(await api.GET('/customers/{customerId}', { params: { path: { customerId } } })) });
  const invoices = useQuery({
    queryKey: ['billing', customerId, 'invoices'],
    queryFn: async () => must(await api.GET('/customers/{customerId}/invoices', { params: { path: { customerId }, query: { limit: PAGE } } })),
    // A refund asked for is made by the payments saga a moment later: look again until it is.
    refetchInterval: (query) => (query.state.data?.invoices.some((i) => i.refunds.some((r) => r.status === 'requested')) ? 2000 : false),
  });
  const invoice = invoices.data?.invoices.find((i) => i.period === opened);

  return (
    <Stack maw={1000}>
      <Anchor component={Link} to="/staff/billing" size="sm">
        Another customer
      </Anchor>
      {customer.error && <LoadFailed what="The customer" error={customer.error} retry={() => customer.refetch()} />}
      {customer.data && (
        <Title order={2} size="h3">
          {customer.data.name}
          <Text span c="dimmed" size="sm" ml="sm">
            {customer.data.paidUntil ? `paid until ${day(customer.data.paidUntil)}` : 'never paid'} · {customer.data.paymentMethod ? `card ending ${customer.data.paymentMethod.last4}` : 'no card on file'}
          </Text>
        </Title>
      )}
      {invoices.isPending && <Loader aria-label="Loading the invoices" />}
      {invoices.error && <LoadFailed what="The invoices" error={invoices.error} retry={() => invoices.refetch()} />}
      {invoices.data && (
        <>
          <SimpleGrid cols={{ base: 1, sm: 4 }} data-testid="billing-totals">
            <Figure label="Invoices" value={String(invoices.data.summary.invoices)} />
            <Figure label="Paid invoices" value={money(invoices.data.summary.paidCents)} />
            <Figure label="Owed" value={money(invoices.data.summary.openCents)} />
            <Figure label="Written off" value={money(invoices.data.summary.writtenOffCents)} />
          </SimpleGrid>
          {invoices.data.invoices.length === 0 ? (
            <Text c="dimmed">No invoices yet.</Text>
          ) : (
            <InvoiceTable invoices={invoices.data.invoices} opened={opened} open={setOpened} />
          )}
        </>
      )}
      {invoice && <InvoicePanel key={invoice.invoiceId} invoice={invoice} canGiveBack={canGiveBack} />}
    </Stack>
  );
}

function InvoiceTable({ invoices, opened, open }: { invoices: Invoice[]; opened: string | null; open: (period: string) => void }) {
  return (
    <Table striped withTableBorder data-testid="staff-invoices">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Month</Table.Th>
          <Table.Th ta="right">Total</Table.Th>
          <Table.Th ta="right">Owed</Table.Th>
          <Table.Th ta="right">Credited</Table.Th>
          <Table.Th ta="right">Refunded</Table.Th>
          <Table.Th>State</Table.Th>
          <Table.Th>
            <VisuallyHidden>Details</VisuallyHidden>
          </Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {invoices.map((invoice) => {
          const state = invoiceState(invoice);
          const month = monthName(invoice.period);
          return (
            <Table.Tr key={invoice.invoiceId} data-testid="staff-invoice">
              <Table.Td>{month}</Table.Td>
              <Table.Td ta="right">{money(invoice.totalCents, invoice.currency)}</Table.Td>
              <Table.Td ta="right">{money(invoice.amountDueCents, invoice.currency)}</Table.Td>
              <Table.Td ta="right">{money(invoice.credits.reduce((sum, c) => sum + c.amountCents, 0), invoice.currency)}</Table.Td>
              <Table.Td ta="right">{money(invoice.refundedCents, invoice.currency)}</Table.Td>
              <Table.Td>
                <Badge color={state.color} variant="filled">
                  {state.label}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Button size="compact-sm" variant={opened === invoice.period ? 'filled' : 'default'} aria-label={`Open ${month}`} aria-pressed={opened === invoice.period} onClick={() => open(invoice.period)}>
                  Open
                </Button>
              </Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
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

