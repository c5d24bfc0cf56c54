import { Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { api, must } from '../../../api/client';
import type { Body } from '../../../api/answers';
import { when } from '../../format';
import { day, Invoice, money, monthName, productName, tierName } from '../../customer/account';
import { ProblemAlert } from '../../expert/ProblemAlert';
import { centsOf } from './amount';
import { useBillingAction } from './useBillingAction';

type MoneyBack = Body<'/customers/{customerId}/invoices/{period}/refunds', 'post'>;

const REFUND_STATE: Record<Invoice['refunds'][number]['status'], { label: string; color: string }> = {
  requested: { label: 'Being refunded', color: 'orange.9' },
  refunded: { label: 'Refunded', color: 'teal.9' },
  failed: { label: 'Refused by the gateway', color: 'red.9' },
};

/** One invoice: its lines, what was paid, credited and refunded; for admins, the refund and credit note forms. */
export function InvoicePanel({ invoice, canGiveBack }: { invoice: Invoice; canGiveBack: boolean }) {
  const { customerId, period, currency } = invoice;
  const path = { customerId, period };
  const refund = useBillingAction(
    customerId,
    async (body: MoneyBack, key: string) => must(await api.POST('/customers/{customerId}/invoices/{period}/refunds', { params: { path, header: { 'Idempotency-Key': key } }, body })),
    (answer) => `Refund of ${money(answer.refunds.find((r) => r.refundId === answer.refundId)?.amountCents ?? 0, currency)} asked of the payment gateway.`,
  );
  const credit = useBillingAction(
    customerId,
    async (body: MoneyBack, key: string) => must(await api.POST('/customers/{customerId}/invoices/{period}/credit-notes', { params: { path, header: { 'Idempotency-Key': key } }, body })),
    (answer) => `Credit note of ${money(answer.credits.find((c) => c.creditNoteId === answer.creditNoteId)?.amountCents ?? 0, currency)} issued.`,
  );
  return (
    <Card withBorder data-testid="invoice-panel">
      <Stack>
        <Title order={3} size="h4">
          {monthName(period)} · invoice {invoice.invoiceId}
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 4 }}>
          <Fact label="Issued" value={day(invoice.issuedAt)} />
          <Fact label="Total" value={money(invoice.totalCents, currency)} />
          <Fact label="Owed" value={money(invoice.amountDueCents, currency)} />
          <Fact label={invoice.paidAt ? `Paid ${day(invoice.paidAt)}` : 'Paid'} value={invoice.paidAt ? money(invoice.paidCents, currency) : '—'} />
        </SimpleGrid>
        <Table withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Line</Table.Th>
              <Table.Th>Tier</Table.Th>
              <Table.Th ta="right">Amount</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invoice.lines.map((line) => (
              <Table.Tr key={line.planId}>
                <Table.Td>{line.kind === 'credit' ? `Credit ${line.planId}` : productName(line.product)}</Table.Td>
                <Table.Td>{line.tier ? tierName(line.tier) : ''}</Table.Td>
                <Table.Td ta="right">{money(line.amountCents, currency)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {invoice.credits.length > 0 && (
          <Stack gap={4} data-testid="credit-notes">
            <Title order={4} size="h5">
              Credit notes
            </Title>
            {invoice.credits.map((c) => (
              <Text key={c.creditNoteId} size="sm">
                {money(c.amountCents, currency)}: {c.reason} ({when(c.at)})
              </Text>
            ))}
          </Stack>
        )}
        {invoice.refunds.length > 0 && (
          <Stack gap={4} data-testid="refunds">
            <Title order={4} size="h5">
              Refunds
            </Title>
            {invoice.refunds.map((r) => (
              <Group key={r.refundId} gap="xs">
                <Text size="sm">
                  {money(r.amountCents, currency)}: {r.reason} ({when(r.at)})
                </Text>
                <Badge color={REFUND_STATE[r.status].color} variant="filled">
                  {REFUND_STATE[r.status].label}
                </Badge>
                {r.failureReason && (
                  <Text size="sm" c="red.9">
                    {r.failureReason}
                  </Text>
                )}
              </Group>
            ))}
          </Stack>
        )}
        {canGiveBack && (
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            {invoice.status === 'paid' && (
              <MoneyForm
                title="Refund"
                hint="Back to the card the invoice was paid with, through the payment gateway."
                action="Refund"
                pending={refund.isPending}
                error={refund.error}
                submit={(body, done) => refund.mutate(body, { onSuccess: done })}
              />
            )}
            {invoice.status !== 'written-off' && (
              <MoneyForm
                title="Credit note"
                hint={invoice.status === 'paid' ? 'Credit the customer’s next invoices deduct.' : 'Lowers what this invoice still owes.'}
                action="Issue the credit note"
                pending={credit.isPending}
                error={credit.error}
                submit={(body, done) => credit.mutate(body, { onSuccess: done })}
              />
            )}
          </SimpleGrid>
        )}
      </Stack>
    </Card>
  );
}

/** An amount in dollars and cents and a reason; the API checks the rest and says what is wrong. */
function MoneyForm({ title, hint, action, pending, error, submit }: { title: string; hint: string; action: string; pending: boolean; error: Error | null; submit: (body: MoneyBack, done: () => void) => void }) {
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [shown, setShown] = useState(false);
  const cents = centsOf(amount);
  const missing = {
    ...(cents === null ? { amount: 'Type the amount in dollars and cents, e.g. 12.50' } : {}),
    ...(!reason.trim() ? { reason: 'Give the reason' } : {}),
  };
  const problems: Partial<Record<'amount' | 'reason', string>> = shown ? missing : {};
  return (
    <form
      noValidate
      aria-label={title}
      onSubmit={(e) => {
        e.preventDefault();
        setShown(true);
        if (cents === null || !reason.trim()) return;
        // Emptied once done: the next refund or credit note starts from a clean form.
        submit({ amountCents: cents, reason: reason.trim() }, () => {
          setAmount('');
          setReason('');
          setShown(false);
        });
      }}
    >
      <Stack gap="xs">
        <Title order={4} size="h5">
          {title}
        </Title>
        <Text size="sm" c="dimmed">
          {hint}
        </Text>
        <TextInput label={`${title} amount (USD)`} inputMode="decimal" placeholder="12.50" value={amount} onChange={(e) => setAmount(e.currentTarget.value)} error={problems.amount} />
        <Textarea label={`${title} reason`} value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={problems.reason} autosize minRows={2} />
        <ProblemAlert error={error} />
        <Group>
          <Button type="submit" loading={pending}>
            {action}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text fw={600}>{value}</Text>
    </div>
  );
}
