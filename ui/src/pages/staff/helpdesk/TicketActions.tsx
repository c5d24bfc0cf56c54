import { Button, Group, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, must } from '../../../api/client';
import type { Answer } from '../../../api/answers';
import type { paths } from '../../../api/schema';
import { useCatalog } from '../../customer/catalog';
import { ProblemAlert } from '../../expert/ProblemAlert';
import { useAction } from './action';
import { flagReason } from './words';

type Ticket = Answer<'/tickets/{ticketId}', 'get'>;
type Flag = Ticket['flags'][number];
type Resolution = paths['/helpdesk/tickets/{ticketId}/flags/{reason}/resolve']['post']['requestBody']['content']['application/json']['resolution'];
const PAYMENT_FLAGS = ['payment-status-unknown', 'customer-unpaid'];

/**
 * Resolve a flag: a payment flag is released (the customer paid: the held ticket goes to
 * matching) or the ticket cancelled; other flags are handled (what was done, in the note).
 */
export function ResolveFlagForm({ ticket, flag, onDone }: { ticket: Ticket; flag: Flag; onDone: () => void }) {
  const payment = PAYMENT_FLAGS.includes(flag.reason);
  const [resolution, setResolution] = useState<Resolution>(payment ? 'released' : 'handled');
  const [note, setNote] = useState('');
  const resolve = useAction(
    async (_: void, key: string) =>
      must(
        await api.POST('/helpdesk/tickets/{ticketId}/flags/{reason}/resolve', {
          params: { path: { ticketId: ticket.ticketId, reason: flag.reason }, header: { 'Idempotency-Key': key } },
          body: { resolution, note: note.trim(), ...(flag.visitId ? { visitId: flag.visitId } : {}) },
        }),
      ),
    { done: (a) => `Flag resolved; the ticket is ${a.status}.`, onDone },
  );
  const options = [
    ...(payment ? [{ value: 'released', label: 'Paid: release the ticket to matching' }] : [{ value: 'handled', label: 'Handled' }]),
    { value: 'cancelled', label: 'Cancel the ticket' },
  ];
  return (
    <Stack>
      <Text size="sm">
        {flagReason(flag.reason)}
        {flag.note && ` — ${flag.note}`}
      </Text>
      <Select label="Outcome" data={options} value={resolution} onChange={(v) => v && setResolution(v as Resolution)} allowDeselect={false} />
      <Textarea label="Note (kept in the ticket's history)" placeholder="e.g. customer agreed to Tuesday morning" value={note} onChange={(e) => setNote(e.currentTarget.value)} />
      <ProblemAlert error={resolve.error} />
      <Group>
        <Button color={resolution === 'cancelled' ? 'red' : undefined} loading={resolve.isPending} onClick={() => resolve.mutate()}>
          {resolution === 'released' ? 'Release the ticket' : resolution === 'cancelled' ? 'Cancel the ticket' : 'Resolve the flag'}
        </Button>
      </Group>
    </Stack>
  );
}

/** Map the customer's own words for the appliance to a catalog model: the catalog's best guesses first. */
export function MapModelForm({ ticket, onDone }: { ticket: Ticket; onDone: () => void }) {
  const text = ticket.appliance.text ?? '';
  const catalog = useCatalog();
  const guesses = useQuery({
    queryKey: ['catalog', 'match', text],
    queryFn: async () => must(await api.GET('/catalog/models/match', { params: { query: { text, limit: 5 } } })).matches,
    enabled: text.length > 0,
  });
  const [modelId, setModelId] = useState<string | null>(null);
  const map = useAction(
    async (_: void, key: string) => must(await api.POST('/helpdesk/tickets/{ticketId}/model', { params: { path: { ticketId: ticket.ticketId }, header: { 'Idempotency-Key': key } }, body: { applianceModelId: modelId! } })),
    { done: (a) => `Mapped to ${a.applianceModelId}.`, onDone },
  );
  const guessed = new Set((guesses.data ?? []).map((g) => g.modelId));
  const label = (m: { brand: string; model: string; category: string }) => `${m.brand} ${m.model} (${m.category})`;
  return (
    <Stack>
      <Text size="sm">
        The customer wrote: <strong>“{text}”</strong>
      </Text>
      <Select
        label="Catalog model"
        placeholder="Search brand or model"
        searchable
        nothingFoundMessage="No such model in the catalog"
        data={[
          ...(guesses.data?.length ? [{ group: 'Best guesses', items: guesses.data.map((g) => ({ value: g.modelId, label: label(g.model) })) }] : []),
          { group: 'Whole catalog', items: (catalog.data ?? []).filter((m) => !guessed.has(m.modelId)).map((m) => ({ value: m.modelId, label: label(m) })) },
        ]}
        value={modelId}
        onChange={setModelId}
      />
      <ProblemAlert error={map.error} />
      <Group>
        <Button disabled={!modelId} loading={map.isPending} onClick={() => map.mutate()}>
          Map to this model
        </Button>
      </Group>
    </Stack>
  );
}

/** Send a parked message again, to the same address or a corrected one (the API checks it fits the channel). */
export function RetryMessageForm({ message, onDone }: { message: { id: string; channel: string; to: string; template: string; subject: string | null; lastError?: string | null }; onDone: () => void }) {
  const [to, setTo] = useState(message.to);
  const retry = useAction(
    async (_: void) => must(await api.POST('/notifications/parked/{messageId}/retry', { params: { path: { messageId: message.id } }, body: to.trim() !== message.to ? { to: to.trim() } : {} })),
    { done: (a) => `Message queued again for ${a.to}.`, onDone },
  );
  return (
    <Stack>
      <Text size="sm">
        The {message.subject ?? message.template} {message.channel === 'sms' ? 'text message' : 'e-mail'} {message.to ? `to ${message.to}` : `with no ${message.channel === 'sms' ? 'number' : 'address'}`} could not be delivered
        {message.lastError ? `: ${message.lastError}.` : '.'}
      </Text>
      <TextInput label={message.channel === 'sms' ? 'Phone number' : 'E-mail address'} value={to} onChange={(e) => setTo(e.currentTarget.value)} />
      <ProblemAlert error={retry.error} />
      <Group>
        <Button loading={retry.isPending} onClick={() => retry.mutate()}>
          Send again
        </Button>
      </Group>
    </Stack>
  );
}
