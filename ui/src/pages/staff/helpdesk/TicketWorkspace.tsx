import { Alert, Anchor, Badge, Button, Card, Grid, Group, List, Loader, Modal, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { useQueries, useQuery } from '@tanstack/react-query';
import { ReactNode, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, must } from '../../../api/client';
import type { Answer } from '../../../api/answers';
import { useApplianceName } from '../../customer/catalog';
import { timeOfDay, when } from '../../format';
import { LoadFailed } from '../../LoadFailed';
import { statusColor } from '../../status';
import { HistoryTimeline } from './HistoryTimeline';
import { MapModelForm, ResolveFlagForm, RetryMessageForm } from './TicketActions';
import { AssignExpertForm, ChangeWindowsForm, ExtendForm, ReplaceExpertForm, RescheduleForm, VisitDetail } from './VisitActions';
import { flagReason, PRIORITY_COLORS, waited } from './words';

type Ticket = Answer<'/tickets/{ticketId}', 'get'>;
type Flag = Ticket['flags'][number];
type Message = Answer<'/tickets/{ticketId}/notifications', 'get'>['messages'][number];

type Action =
  | { kind: 'windows' | 'assign' | 'replace' | 'reschedule' | 'extend'; visit: VisitDetail }
  | { kind: 'flag'; flag: Flag }
  | { kind: 'model' }
  | { kind: 'retry'; message: Message };

const TITLES: Record<Action['kind'], string> = {
  windows: "Change the visit's windows",
  assign: 'Assign an expert',
  replace: 'Replace an expert',
  reschedule: 'Reschedule the visit',
  extend: 'Extend the visit',
  flag: 'Resolve the flag',
  model: 'Map to a catalog model',
  retry: 'Send the message again',
};

/** One ticket as helpdesk works it: the customer, the visits with their windows and proposals, every action, the history. */
export function TicketWorkspace() {
  const { ticketId = '' } = useParams();
  const applianceName = useApplianceName();
  const [action, setAction] = useState<Action | null>(null);
  const ticket = useQuery({ queryKey: ['ticket', ticketId], queryFn: async () => must(await api.GET('/tickets/{ticketId}', { params: { path: { ticketId } } })) });
  const visits = useQueries({
    queries: (ticket.data?.visits ?? [])
      .filter((v) => v.status !== 'planning')
      .map((v) => ({ queryKey: ['visits', v.visitId], queryFn: async () => must(await api.GET('/visits/{visitId}', { params: { path: { visitId: v.visitId } } })) })),
  });
  const messages = useQuery({
    queryKey: ['ticket', ticketId, 'messages'],
    queryFn: async () => must(await api.GET('/tickets/{ticketId}/notifications', { params: { path: { ticketId } } })).messages,
  });

  if (ticket.isPending) return <Loader aria-label="Loading the ticket" />;
  if (ticket.error) return <LoadFailed what="The ticket" error={ticket.error} retry={ticket.refetch} />;
  const t = ticket.data;
  const done = () => setAction(null);
  const form = (a: Action): ReactNode => {
    switch (a.kind) {
      case 'windows':
        return <ChangeWindowsForm visit={a.visit} onDone={done} />;
      case 'assign':
        return <AssignExpertForm visit={a.visit} onDone={done} />;
      case 'replace':
        return <ReplaceExpertForm visit={a.visit} onDone={done} />;
      case 'reschedule':
        return <RescheduleForm visit={a.visit} onDone={done} />;
      case 'extend':
        return <ExtendForm visit={a.visit} onDone={done} />;
      case 'flag':
        return <ResolveFlagForm ticket={t} flag={a.flag} onDone={done} />;
      case 'model':
        return <MapModelForm ticket={t} onDone={done} />;
      case 'retry':
        return <RetryMessageForm message={a.message} onDone={done} />;
    }
  };

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Stack gap={2}>
          <Title order={1} size="h2">
            {applianceName(t.appliance)}
          </Title>
          <Text size="sm" c="dimmed">
            Ticket {t.ticketId} · opened {when(t.openedAt)} by {t.openedBy.role} {t.openedBy.userId}
          </Text>
        </Stack>
        <Group gap="xs">
          <Badge size="lg" color={PRIORITY_COLORS[t.priority]}>
            {t.priority}
          </Badge>
          <Badge size="lg" color={statusColor(t.status)} data-testid="ticket-status">
            {t.status}
          </Badge>
        </Group>
      </Group>
      <Text>{t.problem}</Text>
      {t.appliance.text && !t.appliance.modelId && (
        <Alert color="yellow" title="The appliance is not a catalog model yet">
          <Group justify="space-between">
            <Text size="sm">The customer described it as “{t.appliance.text}”.</Text>
            <Button size="xs" onClick={() => setAction({ kind: 'model' })}>
              Map to a catalog model
            </Button>
          </Group>
        </Alert>
      )}
      {t.appliance.text && t.appliance.modelId && (
        <Text size="sm" c="dimmed" data-testid="mapped-model">
          The customer wrote “{t.appliance.text}”; mapped to catalog model {t.appliance.modelId}.
        </Text>
      )}
      {t.flags.length > 0 && (
        <Card withBorder bg="var(--mantine-color-orange-light)" data-testid="flags">
          <Title order={2} size="h4" mb="xs">
            Waiting for helpdesk
          </Title>
          <Stack gap="xs">
            {t.flags.map((f) => (
              <Group key={`${f.reason}:${f.visitId}`} justify="space-between" wrap="nowrap">
                <Stack gap={0}>
                  <Text fw={500}>{flagReason(f.reason)}</Text>
                  <Text size="sm">
                    {f.note || 'No note.'} {f.visitId && `(visit ${f.visitId})`} · waiting {waited(f.flaggedAt)}
                  </Text>
                  {f.candidates.length > 0 && <Text size="xs">Free to replace: {f.candidates.map((c) => `${c.name} (${c.distanceKm} km)`).join(', ')}</Text>}
                </Stack>
                <Button size="xs" variant="white" onClick={() => setAction({ kind: 'flag', flag: f })}>
                  {['payment-status-unknown', 'customer-unpaid'].includes(f.reason) ? 'Release or cancel' : 'Resolve'}
                </Button>
              </Group>
            ))}
          </Stack>
        </Card>
      )}
      <Grid>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Stack>
            <Title order={2} size="h4">
              Visits
            </Title>
            {t.visits.length === 0 && <Text c="dimmed">No visits planned yet.</Text>}
            {t.visits.map((summary, i) => {
              const detail = visits.find((q) => q.data?.visitId === summary.visitId)?.data;
              return <VisitCard key={summary.visitId} index={i} summary={summary} visit={detail} ticket={t} act={setAction} />;
            })}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <CustomerCard customerId={t.customerId} paymentStatus={t.paymentStatus} overridden={t.paymentOverridden} />
        </Grid.Col>
      </Grid>
      <Tabs defaultValue="history" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="history">History</Tabs.Tab>
          <Tabs.Tab value="messages">Messages{messages.data ? ` (${messages.data.length})` : ''}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="history" pt="md">
          <HistoryTimeline ticketId={t.ticketId} />
        </Tabs.Panel>
        <Tabs.Panel value="messages" pt="md">
          {messages.error && <LoadFailed what="The messages" error={messages.error} retry={messages.refetch} />}
          {messages.data?.length === 0 && <Text c="dimmed">No messages sent about this ticket.</Text>}
          {messages.data && messages.data.length > 0 && (
            <Table striped withTableBorder>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>To</Table.Th>
                  <Table.Th>What</Table.Th>
                  <Table.Th>Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {messages.data.map((m) => (
                  <Table.Tr key={m.id}>
                    <Table.Td>{when(m.sentAt ?? m.createdAt)}</Table.Td>
                    <Table.Td>
                      {m.channel} {m.to}
                    </Table.Td>
                    <Table.Td>{m.subject ?? m.template}</Table.Td>
                    <Table.Td>
                      <Group gap="xs">
                        <Badge color={m.status === 'parked' ? 'red' : m.status === 'sent' ? 'green' : 'yellow'} variant="light">
                          {m.status}
                        </Badge>
                        {m.status === 'parked' && (
                          <Button size="compact-xs" variant="light" aria-label={`Retry the ${m.subject ?? m.template} message`} onClick={() => setAction({ kind: 'retry', message: m })}>
                            Retry
                          </Button>
                        )}
                      </Group>
                      {m.status === 'parked' && m.lastError && (
                        <Text size="xs" c="dimmed" data-testid="why-parked">
                          {m.lastError}
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Tabs.Panel>
      </Tabs>
      <Modal opened={action !== null} onClose={done} title={action ? TITLES[action.kind] : ''} size="lg">
        {action && form(action)}
      </Modal>
    </Stack>
  );
}

function VisitCard({ index, summary, visit, ticket, act }: { index: number; summary: Ticket['visits'][number]; visit: VisitDetail | undefined; ticket: Ticket; act: (a: Action) => void }) {
  const unfit = ticket.escalation?.unfitProposals.filter((p) => p.visitId === summary.visitId) ?? [];
  const status = visit?.status ?? summary.status;
  return (
    <Card withBorder data-testid="visit">
      <Group justify="space-between">
        <Text fw={500}>
          Visit {index + 1}: {summary.skills.join(', ')}
          {visit && ` · ${visit.durationMinutes} min · ${visit.expertsNeeded} expert${visit.expertsNeeded > 1 ? 's' : ''}`}
        </Text>
        <Badge color={statusColor(status)} data-testid="visit-status">
          {status}
        </Badge>
      </Group>
      <Text size="xs" c="dimmed">
        {summary.visitId}
      </Text>
      {summary.start && (
        <Text size="sm">
          Scheduled {when(summary.start)}–{timeOfDay(summary.end!)} with {summary.experts.join(', ')}
        </Text>
      )}
      {visit && (
        <>
          <Text size="sm" mt={4}>
            Windows: {visit.windows.map((w) => `${when(w.start)}–${timeOfDay(w.end)}`).join('; ')}
          </Text>
          {(visit.proposals ?? []).length > 0 && (
            <Stack gap={0} mt={4}>
              <Text size="sm" fw={500}>
                Proposals
              </Text>
              <List size="sm">
                {(visit.proposals ?? []).map((p) => (
                  <List.Item key={p.expertId}>
                    {p.expertId}: {p.starts.map(when).join(', ')}
                  </List.Item>
                ))}
              </List>
            </Stack>
          )}
          {(visit.assignments ?? []).length > 0 && (
            <Text size="sm">Assigned: {(visit.assignments ?? []).map((a) => `${a.expertId} at ${when(a.start)}`).join(', ')}</Text>
          )}
        </>
      )}
      {unfit.length > 0 && (
        <Alert color="orange" mt="xs" title="Proposals that did not fit the windows" data-testid="unfit-proposals">
          <List size="sm">
            {unfit.map((p) => (
              <List.Item key={p.expertId}>
                {p.expertId} offered {p.starts.map(when).join(', ')}
              </List.Item>
            ))}
          </List>
          <Text size="sm" mt={4}>
            Call the customer: if one of these suits, change the windows and assign the expert.
          </Text>
        </Alert>
      )}
      {visit && (
        <Group gap="xs" mt="sm">
          {status === 'open' && (
            <>
              <Button size="xs" variant="light" onClick={() => act({ kind: 'windows', visit })}>
                Change windows
              </Button>
              <Button size="xs" variant="light" onClick={() => act({ kind: 'assign', visit })}>
                Assign an expert
              </Button>
            </>
          )}
          {['finalized', 'en-route', 'cant-arrive'].includes(status) && (
            <Button size="xs" variant="light" onClick={() => act({ kind: 'replace', visit })}>
              Replace an expert
            </Button>
          )}
          {['finalized', 'en-route', 'cant-arrive', 'cant-enter'].includes(status) && (
            <Button size="xs" variant="light" onClick={() => act({ kind: 'reschedule', visit })}>
              Reschedule
            </Button>
          )}
          {status === 'started' && (
            <Button size="xs" variant="light" onClick={() => act({ kind: 'extend', visit })}>
              Extend
            </Button>
          )}
        </Group>
      )}
    </Card>
  );
}

function CustomerCard({ customerId, paymentStatus, overridden }: { customerId: string; paymentStatus: string; overridden: boolean }) {
  const customer = useQuery({ queryKey: ['customer', customerId], queryFn: async () => must(await api.GET('/customers/{customerId}', { params: { path: { customerId } } })) });
  return (
    <Card withBorder data-testid="customer">
      <Title order={2} size="h4">
        Customer
      </Title>
      {customer.isPending && <Loader size="sm" aria-label="Loading the customer" />}
      {customer.error && <LoadFailed what="The customer" error={customer.error} retry={customer.refetch} />}
      {customer.data && (
        <Stack gap={4} mt="xs">
          <Text fw={500}>{customer.data.name}</Text>
          <Anchor href={`tel:${customer.data.phone}`} size="sm">
            {customer.data.phone}
          </Anchor>
          <Anchor href={`mailto:${customer.data.email}`} size="sm">
            {customer.data.email}
          </Anchor>
          <Text size="sm">
            {customer.data.address.line1}, {customer.data.address.postalCode} {customer.data.address.city}
          </Text>
          <Text size="sm">Told by {customer.data.notifyBy === 'sms' ? 'text message' : 'e-mail'}</Text>
          <Text size="sm" fw={500} mt="xs">
            Payment
          </Text>
          <Text size="sm" data-testid="payment-status">
            {customer.data.paidUntil ? (Date.parse(customer.data.paidUntil) > Date.now() ? `Paid until ${when(customer.data.paidUntil)}` : `Lapsed ${when(customer.data.paidUntil)}`) : 'Never paid'}
            {' · '}
            {customer.data.paymentMethod ? `card ending ${customer.data.paymentMethod.last4}` : 'no card on file'}
          </Text>
          <Text size="xs" c="dimmed">
            When the ticket was opened: {paymentStatus}
            {overridden && ' (helpdesk overrode the check)'}
          </Text>
          <Text size="sm" fw={500} mt="xs">
            Plans
          </Text>
          {customer.data.activePlans.length === 0 && <Text size="sm">No active plan.</Text>}
          {customer.data.activePlans.map((p) => (
            <Text size="sm" key={p.planId}>
              {p.tier} for {p.product} · ${(p.monthlyPriceCents / 100).toFixed(2)}/month
            </Text>
          ))}
          <Anchor component={Link} to={`/staff/billing/${encodeURIComponent(customerId)}`} size="sm" mt="xs">
            Invoices and payments
          </Anchor>
          <Anchor component={Link} to={`/staff/helpdesk/new?customer=${encodeURIComponent(customerId)}`} size="sm">
            Open another ticket for this customer
          </Anchor>
        </Stack>
      )}
    </Card>
  );
}
