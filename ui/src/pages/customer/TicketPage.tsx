import { Alert, Badge, Button, Card, Group, Loader, Modal, Stack, Text, Textarea, Timeline, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { useParams } from 'react-router';
import { actionKey, api, must } from '../../api/client';
import { useLiveEvent } from '../../live/context';
import { timeOfDay, when } from '../format';
import { statusColor } from '../status';
import { useApplianceName } from './catalog';

const CANCELLABLE = ['on-hold', 'open'];

/** One ticket: its status, visits with their experts and times, the expert's ETA live, the messages sent, cancel while allowed. */
export function TicketPage() {
  const applianceName = useApplianceName();
  const { ticketId = '' } = useParams();
  const queries = useQueryClient();
  const ticket = useQuery({
    queryKey: ['ticket', ticketId],
    queryFn: async () => must(await api.GET('/tickets/{ticketId}', { params: { path: { ticketId } } })),
  });
  const messages = useQuery({
    queryKey: ['ticket', ticketId, 'messages'],
    queryFn: async () => must(await api.GET('/tickets/{ticketId}/notifications', { params: { path: { ticketId } } })),
  });
  const [etas, setEtas] = useState<Record<string, string>>({});
  useLiveEvent(
    'visit.eta',
    useCallback(
      (p: { ticketId: string; visitId: string; eta: string }) => {
        if (p.ticketId === ticketId) setEtas((all) => ({ ...all, [p.visitId]: p.eta }));
      },
      [ticketId],
    ),
  );
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState('');
  const [key] = useState(actionKey);
  const cancel = useMutation({
    mutationFn: async () => must(await api.POST('/tickets/{ticketId}/cancel', { params: { path: { ticketId }, header: { 'Idempotency-Key': key } }, body: { reason: reason.trim() } })),
    onSuccess: () => {
      setCancelling(false);
      void queries.invalidateQueries({ queryKey: ['ticket', ticketId] });
      void queries.invalidateQueries({ queryKey: ['tickets'] });
      notifications.show({ title: 'Ticket cancelled', message: 'Any expert booked for it has been released.' });
    },
  });

  if (ticket.isPending) return <Loader />;
  if (ticket.error) return <Alert color="red">{ticket.error.message}</Alert>;
  const t = ticket.data;
  return (
    <Stack maw={760}>
      <Group justify="space-between">
        <Title order={1} size="h2">{applianceName(t.appliance)}</Title>
        <Badge size="lg" color={statusColor(t.status)} data-testid="ticket-status">
          {t.status}
        </Badge>
      </Group>
      <Text>{t.problem}</Text>
      <Text size="sm" c="dimmed">
        Opened {when(t.openedAt)} · priority {t.priority}
        {t.resolution && ` · resolved: ${t.resolution}`}
      </Text>
      <Title order={2} size="h4">Visits</Title>
      {t.visits.map((v, i) => (
        <Card withBorder key={v.visitId} data-testid="visit">
          <Group justify="space-between">
            <Text fw={500}>
              Visit {i + 1}: {v.skills.join(', ')}
            </Text>
            <Badge color={statusColor(v.status)}>{v.status}</Badge>
          </Group>
          <Text size="sm">{v.start ? `${when(v.start)} – ${timeOfDay(v.end!)}` : 'We are finding an expert for one of your windows.'}</Text>
          {v.experts.length > 0 && <Text size="sm">Expert{v.experts.length > 1 ? 's' : ''}: {v.experts.join(', ')}</Text>}
          {(etas[v.visitId] || v.status === 'en-route') && (
            <Alert color="violet" mt="xs" data-testid="eta">
              Your expert is on the way{etas[v.visitId] ? `, arriving around ${timeOfDay(etas[v.visitId]!)}` : ''}.
            </Alert>
          )}
        </Card>
      ))}
      {CANCELLABLE.includes(t.status) && (
        <Group>
          <Button color="red" variant="light" onClick={() => setCancelling(true)}>
            Cancel this ticket
          </Button>
        </Group>
      )}
      <Title order={2} size="h4">Messages</Title>
      {messages.data?.messages.length === 0 && <Text c="dimmed">No messages yet.</Text>}
      <Timeline bulletSize={14} lineWidth={2}>
        {messages.data?.messages.map((m) => (
          <Timeline.Item key={m.id} title={m.subject ?? (m.channel === 'sms' ? 'Text message' : 'E-mail')}>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {m.body}
            </Text>
            <Text size="xs" c="dimmed">
              {m.channel} to {m.to} · {when(m.sentAt ?? m.createdAt)} · {m.status}
            </Text>
          </Timeline.Item>
        ))}
      </Timeline>
      <Modal opened={cancelling} onClose={() => setCancelling(false)} title="Cancel the ticket?">
        <Stack>
          <Textarea label="Why?" placeholder="e.g. it works again" value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
          {cancel.error && <Alert color="red">{cancel.error.message}</Alert>}
          <Button color="red" disabled={!reason.trim()} loading={cancel.isPending} onClick={() => cancel.mutate()}>
            Cancel the ticket
          </Button>
        </Stack>
      </Modal>
    </Stack>
  );
}
