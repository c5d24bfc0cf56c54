import { Anchor, Button, Card, Checkbox, Group, Select, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, must } from '../../../api/client';
import type { Body } from '../../../api/answers';
import { useCatalog, useCategories } from '../../customer/catalog';
import { newWindow, WindowInput } from '../../customer/windows';
import { ProblemAlert } from '../../expert/ProblemAlert';
import { useAction } from './action';
import { checkWindows, WindowsEditor } from './WindowsEditor';

type OpenTicket = Body<'/tickets', 'post'>;

/** Open a ticket for a customer who called: who, which appliance, what is wrong, when they are home. */
export function OpenForCaller() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [customerId, setCustomerId] = useState<string | null>(params.get('customer'));
  const [typed, setTyped] = useState('');
  const [search] = useDebouncedValue(typed, 250);
  const customers = useQuery({
    queryKey: ['customers', 'search', search, customerId],
    queryFn: async () => {
      const found = must(await api.GET('/customers', { params: { query: { ...(search.trim() ? { q: search.trim() } : {}), limit: 20 } } })).customers;
      // The customer already picked stays a choice while another name is typed.
      if (customerId && !found.some((c) => c.customerId === customerId)) {
        const picked = await api.GET('/customers/{customerId}', { params: { path: { customerId } } });
        if (picked.data) found.unshift(picked.data);
      }
      return found;
    },
  });
  const catalog = useCatalog();
  const categories = useCategories();
  const [modelId, setModelId] = useState<string | null>(null);
  const [freeText, setFreeText] = useState<string | null>(null);
  const [category, setCategory] = useState<string | null>(null);
  const [problem, setProblem] = useState('');
  const [priority, setPriority] = useState('normal');
  const [override, setOverride] = useState(false);
  const [windows, setWindows] = useState<WindowInput[]>([newWindow()]);
  const [shown, setShown] = useState(false);

  const model = catalog.data?.find((m) => m.modelId === modelId);
  const kind = freeText === null ? model?.category : (category ?? undefined);
  const plan = categories.data?.find((c) => c.category === kind)?.firstVisit;
  const checked = checkWindows(windows, plan?.durationMinutes ?? 60);
  const missing: Record<string, string> = {};
  if (!customerId) missing.customer = 'Pick the customer who called';
  if (freeText === null && !model) missing.model = 'Pick the appliance, or type it if it is not listed';
  if (freeText !== null && !freeText.trim()) missing.model = 'Type the brand and model as on its label';
  if (freeText !== null && !category) missing.category = 'Pick the kind of appliance';
  if (!problem.trim()) missing.problem = 'What is wrong?';
  const error = shown ? missing : {};

  const open = useAction(
    async (body: OpenTicket, key: string) => must(await api.POST('/tickets', { body, params: { header: { 'Idempotency-Key': key } } })),
    { done: (a) => `Ticket ${a.ticketId} opened (${a.status}).`, onDone: (a) => navigate(`/staff/helpdesk/tickets/${a.ticketId}`) },
  );

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setShown(true);
        if (Object.keys(missing).length > 0 || Object.keys(checked.problems).length > 0 || !plan) return;
        open.mutate({
          customerId: customerId!,
          ...(freeText !== null ? { applianceModelText: freeText.trim() } : { applianceModelId: model!.modelId }),
          problem: problem.trim(),
          priority: priority as OpenTicket['priority'],
          visits: [{ ...plan, windows: checked.windows }],
          ...(override ? { overridePayment: true } : {}),
        } as OpenTicket);
      }}
    >
      <Stack maw={700}>
        <Title order={1} size="h2">
          Open a ticket for a caller
        </Title>
        <Select
          label="Customer"
          placeholder="Search by name or e-mail"
          searchable
          searchValue={typed}
          onSearchChange={setTyped}
          filter={({ options }) => options}
          nothingFoundMessage="No customer by that name or e-mail"
          data={(customers.data ?? []).map((c) => ({ value: c.customerId, label: `${c.name} — ${c.email}` }))}
          value={customerId}
          onChange={setCustomerId}
          error={error.customer}
        />
        {freeText === null ? (
          <Stack gap={4}>
            <Select
              label="Appliance"
              placeholder="Search brand or model"
              searchable
              nothingFoundMessage="Not in the catalog — type it instead"
              data={(catalog.data ?? []).map((m) => ({ value: m.modelId, label: `${m.brand} ${m.model} (${m.category})` }))}
              value={modelId}
              onChange={setModelId}
              error={error.model}
            />
            <Anchor component="button" type="button" size="sm" onClick={() => setFreeText('')}>
              The model is not listed
            </Anchor>
          </Stack>
        ) : (
          <Stack gap={4}>
            <Group grow align="flex-start">
              <TextInput label="Appliance model, as the customer reads it" value={freeText} onChange={(e) => setFreeText(e.currentTarget.value)} error={error.model} />
              <Select label="Kind of appliance" searchable data={(categories.data ?? []).map((c) => c.category)} value={category} onChange={setCategory} error={error.category} />
            </Group>
            <Anchor component="button" type="button" size="sm" onClick={() => setFreeText(null)}>
              Pick from the catalog instead
            </Anchor>
          </Stack>
        )}
        <Textarea label="Problem" autosize minRows={3} value={problem} onChange={(e) => setProblem(e.currentTarget.value)} error={error.problem} />
        <Select label="Priority" data={['low', 'normal', 'high', 'urgent']} value={priority} onChange={(v) => setPriority(v ?? 'normal')} allowDeselect={false} />
        <Card withBorder>
          <Text fw={500} mb="xs">
            When the customer is home
          </Text>
          <WindowsEditor windows={windows} onChange={setWindows} problems={shown ? checked.problems : {}} durationMinutes={plan?.durationMinutes ?? 60} />
        </Card>
        {plan && (
          <Text size="sm" c="dimmed">
            The visit: {plan.expertsNeeded === 1 ? 'one expert' : `${plan.expertsNeeded} experts`} for {plan.skills.join(', ')}, {plan.durationMinutes} minutes.
          </Text>
        )}
        <Checkbox label="Open it even though payment is not confirmed (helpdesk override)" checked={override} onChange={(e) => setOverride(e.currentTarget.checked)} />
        <ProblemAlert error={open.error} />
        <Group>
          <Button type="submit" loading={open.isPending}>
            Open the ticket
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
