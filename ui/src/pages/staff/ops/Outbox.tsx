import { Badge, Button, Group, Loader, Modal, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, must } from '../../../api/client';
import type { Answer } from '../../../api/answers';
import { when } from '../../format';
import { LoadFailed } from '../../LoadFailed';
import { ProblemAlert } from '../../expert/ProblemAlert';
import { duration, PIPELINE, usePipeline } from './pipeline';

type Parked = Answer<'/notifications/parked', 'get'>['messages'][number];
const PARKED = ['ops', 'parked'] as const;

/** The notification outbox: how much waits, what was parked after failed attempts, and retrying it. */
export function Outbox() {
  const status = usePipeline();
  const parked = useQuery({ queryKey: PARKED, queryFn: async () => must(await api.GET('/notifications/parked', { params: { query: { limit: 100 } } })), refetchInterval: 10_000 });
  const [retrying, setRetrying] = useState<Parked | null>(null);
  const outbox = status.data?.outbox;
  return (
    <Stack gap="xs" component="section" aria-labelledby="outbox-title">
      <Title order={2} size="h4" id="outbox-title">
        Notification outbox
      </Title>
      {outbox && (
        <SimpleGrid cols={{ base: 2, sm: 5 }} data-testid="outbox-counts">
          <Figure label="Pending" value={outbox.pending} detail={outbox.pending > 0 ? `oldest waits ${duration(outbox.oldestPendingAgeSeconds)}` : 'nothing waits'} />
          <Figure label="Parked" value={outbox.parked} detail="gave up after retries" alert={outbox.parked > 0} />
          <Figure label="Sent" value={outbox.sent} detail="delivered" />
          <Figure label="Deadlines due" value={outbox.deadlinesDue} detail={outbox.deadlinesDue > 0 ? `overdue by ${duration(outbox.oldestDeadlineOverdueSeconds)}` : 'none overdue'} />
        </SimpleGrid>
      )}
      <Title order={3} size="h5">
        Parked messages
      </Title>
      {parked.isPending && <Loader aria-label="Loading the parked messages" />}
      {parked.error && <LoadFailed what="The parked messages" error={parked.error} retry={() => parked.refetch()} />}
      {parked.data && parked.data.messages.length === 0 && <Text c="dimmed">No parked message: everything was delivered or is still being tried.</Text>}
      {parked.data && parked.data.messages.length > 0 && (
        <Table.ScrollContainer minWidth={800}>
          <Table striped withTableBorder data-testid="parked">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Parked</Table.Th>
                <Table.Th>Message</Table.Th>
                <Table.Th>To</Table.Th>
                <Table.Th>Attempts</Table.Th>
                <Table.Th>Last error</Table.Th>
                <Table.Th>Ticket</Table.Th>
                <Table.Th>Action</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {parked.data.messages.map((m) => (
                <Table.Tr key={m.id}>
                  <Table.Td>{when(m.parkedAt)}</Table.Td>
                  <Table.Td>
                    <Badge variant="outline">{m.channel}</Badge> {m.template}
                  </Table.Td>
                  <Table.Td>{m.to}</Table.Td>
                  <Table.Td>{m.attempts}</Table.Td>
                  <Table.Td>{m.lastError ?? '—'}</Table.Td>
                  <Table.Td>{m.ticketId ?? '—'}</Table.Td>
                  <Table.Td>
                    <Button size="xs" variant="light" onClick={() => setRetrying(m)} aria-label={`Retry the ${m.template} message to ${m.to}`}>
                      Retry
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <RetryMessage message={retrying} onClose={() => setRetrying(null)} />
    </Stack>
  );
}

function Figure({ label, value, detail, alert }: { label: string; value: number; detail: string; alert?: boolean }) {
  return (
    <Paper withBorder p="sm">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text fz="xl" fw={700} c={alert ? 'red.9' : undefined}>
        {value}
      </Text>
      <Text size="xs" c="dimmed">
        {detail}
      </Text>
    </Paper>
  );
}

/** Sends a parked message again, to the same address or a corrected one. */
function RetryMessage({ message, onClose }: { message: Parked | null; onClose: () => void }) {
  const queries = useQueryClient();
  const [to, setTo] = useState('');
  const retry = useMutation({
    mutationFn: async (m: Parked) => must(await api.POST('/notifications/parked/{messageId}/retry', { params: { path: { messageId: m.id } }, body: to.trim() && to.trim() !== m.to ? { to: to.trim() } : {} })),
    onSuccess: (requeued) => {
      notifications.show({ color: 'green', title: 'Message queued again', message: `It goes to ${requeued.to} with the next delivery round.` });
      void queries.invalidateQueries({ queryKey: PARKED });
      void queries.invalidateQueries({ queryKey: PIPELINE });
      close();
    },
  });
  const close = () => {
    retry.reset();
    setTo('');
    onClose();
  };
  return (
    <Modal opened={message !== null} onClose={close} title="Retry a parked message">
      {message && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            retry.mutate(message);
          }}
        >
          <Stack>
            <Text size="sm">
              The {message.template} {message.channel} failed {message.attempts} time(s): {message.lastError ?? 'no reason given'}.
            </Text>
            <TextInput label={message.channel === 'email' ? 'E-mail address' : 'Phone number'} description="Correct it if it was wrong; leave it to send to the same address." placeholder={message.to} value={to} onChange={(e) => setTo(e.currentTarget.value)} />
            <ProblemAlert error={retry.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={retry.isPending}>
                Send again
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
