import { ActionIcon, Alert, Anchor, Button, Card, Group, Select, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { DatePickerInput, TimeInput } from '@mantine/dates';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { actionKey, api, ApiError, must } from '../../api/client';
import type { Body } from '../../api/answers';
import { useCatalog, useCategories } from './catalog';
import { newWindow, toInstants, WindowInput } from './windows';

type OpenTicket = Body<'/tickets', 'post'>;
const PRIORITIES = [
  { value: 'low', label: 'Low — whenever suits' },
  { value: 'normal', label: 'Normal' },
  { value: 'high', label: 'High — it is getting worse' },
  { value: 'urgent', label: 'Urgent — no water, no heat, a hazard' },
];

/** Opening a ticket the way the seeds describe: the model from the catalog (or free text), the problem, when the customer is home. */
export function NewTicket() {
  const catalog = useCatalog();
  const categories = useCategories();
  const [modelId, setModelId] = useState<string | null>(null);
  const [freeText, setFreeText] = useState<string | null>(null); // null: picking from the catalog
  const [category, setCategory] = useState<string | null>(null);
  const [problem, setProblem] = useState('');
  const [priority, setPriority] = useState<string>('normal');
  const [windows, setWindows] = useState<WindowInput[]>([newWindow()]);
  const [shown, setShown] = useState(false); // show field errors only after a first attempt
  const [key] = useState(actionKey); // one key per ticket being opened: a retried submit opens it once
  const navigate = useNavigate();
  const queries = useQueryClient();

  const models = catalog.data ?? [];
  const model = models.find((m) => m.modelId === modelId);
  const kind = freeText === null ? model?.category : (category ?? undefined);
  const plan = categories.data?.find((c) => c.category === kind)?.firstVisit;
  const catalogDown = catalog.isError && models.length === 0;
  const typing = freeText !== null || catalogDown;

  const problems = useMemo(() => {
    const found: Record<string, string> = {};
    if (!typing && !model) found.model = 'Pick your appliance, or type it if it is not listed';
    if (typing && !(freeText ?? '').trim()) found.model = 'Type the brand and model as on its label';
    if (typing && !category) found.category = 'Pick the kind of appliance';
    if (!problem.trim()) found.problem = 'Tell us what is wrong';
    windows.forEach((w) => {
      const checked = toInstants(w, plan?.durationMinutes ?? 60);
      if (typeof checked === 'string') found[w.key] = checked;
    });
    return found;
  }, [typing, model, freeText, category, problem, windows, plan]);

  const open = useMutation({
    mutationFn: async (body: OpenTicket) => must(await api.POST('/tickets', { body, params: { header: { 'Idempotency-Key': key } } })),
    onSuccess: (opened) => {
      void queries.invalidateQueries({ queryKey: ['tickets'] });
      notifications.show({ color: 'green', title: 'Ticket opened', message: 'We are finding an expert for you; you will be told when a visit is set.' });
      navigate(`/portal/tickets/${opened.ticketId}`);
    },
  });

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setShown(true);
    if (Object.keys(problems).length > 0 || !plan) return;
    const instants = windows.map((w) => toInstants(w, plan.durationMinutes)) as { start: string; end: string }[];
    open.mutate({
      ...(typing ? { applianceModelText: (freeText ?? '').trim() } : { applianceModelId: model!.modelId }),
      problem: problem.trim(),
      priority: priority as OpenTicket['priority'],
      visits: [{ ...plan, windows: instants }],
    } as OpenTicket);
  };

  const error = shown ? problems : {};
  return (
    <form onSubmit={submit} noValidate>
      <Stack maw={640}>
        <Title order={1} size="h2">Open a ticket</Title>
        {catalogDown && <Alert color="yellow">The appliance list is not available right now: type your model as it is written on its label.</Alert>}
        {!typing ? (
          <Stack gap={4}>
            <Select
              label="Appliance"
              placeholder="Search brand or model"
              searchable
              nothingFoundMessage="Not in the list — type it instead (below)"
              data={models.map((m) => ({ value: m.modelId, label: `${m.brand} ${m.model} (${m.category})` }))}
              value={modelId}
              onChange={setModelId}
              error={error.model}
            />
            <Anchor component="button" type="button" size="sm" onClick={() => setFreeText('')}>
              My model is not listed
            </Anchor>
          </Stack>
        ) : (
          <Group grow align="flex-start">
            <TextInput label="Appliance model" placeholder="e.g. Whirlpool WTW5000DW" value={freeText ?? ''} onChange={(e) => setFreeText(e.currentTarget.value)} error={error.model} />
            <Select label="Kind of appliance" data={(categories.data ?? []).map((c) => c.category)} value={category} onChange={setCategory} error={error.category} searchable />
          </Group>
        )}
        {freeText !== null && !catalogDown && (
          <Anchor component="button" type="button" size="sm" onClick={() => setFreeText(null)}>
            Pick from the list instead
          </Anchor>
        )}
        <Textarea label="What is wrong?" placeholder="What happens, since when, any error code on the display" autosize minRows={3} value={problem} onChange={(e) => setProblem(e.currentTarget.value)} error={error.problem} />
        <Select label="How urgent is it?" data={PRIORITIES} value={priority} onChange={(v) => setPriority(v ?? 'normal')} allowDeselect={false} />
        <Card withBorder>
          <Stack gap="xs">
            <Text fw={500}>When are you home?</Text>
            <Text size="sm" c="dimmed">
              Give every time that suits you: the more windows, the sooner an expert can come.
              {plan && ` The visit takes about ${plan.durationMinutes} minutes.`}
            </Text>
            {windows.map((w, i) => (
              <Group key={w.key} align="flex-start" wrap="nowrap" data-testid="window">
                <DatePickerInput
                  aria-label={`Day of window ${i + 1}`}
                  placeholder="Day"
                  value={w.day}
                  minDate={dayjs().format('YYYY-MM-DD')}
                  onChange={(day) => setWindows((all) => all.map((x) => (x.key === w.key ? { ...x, day: day ? dayjs(day).format('YYYY-MM-DD') : null } : x)))}
                  error={error[w.key]}
                  w={170}
                />
                <TimeInput aria-label={`From, window ${i + 1}`} value={w.from} onChange={(e) => { const from = e.currentTarget.value; setWindows((all) => all.map((x) => (x.key === w.key ? { ...x, from } : x))); }} />
                <TimeInput aria-label={`Until, window ${i + 1}`} value={w.to} onChange={(e) => { const to = e.currentTarget.value; setWindows((all) => all.map((x) => (x.key === w.key ? { ...x, to } : x))); }} />
                <ActionIcon variant="subtle" color="gray" mt={6} aria-label={`Remove window ${i + 1}`} disabled={windows.length === 1} onClick={() => setWindows((all) => all.filter((x) => x.key !== w.key))}>
                  ✕
                </ActionIcon>
              </Group>
            ))}
            <Group>
              <Button variant="light" size="xs" onClick={() => setWindows((all) => [...all, newWindow(all[all.length - 1]?.day ? dayjs(all[all.length - 1]!.day).add(1, 'day').format('YYYY-MM-DD') : null)])}>
                Add another window
              </Button>
            </Group>
          </Stack>
        </Card>
        {plan && (
          <Text size="sm" c="dimmed" data-testid="visit-plan">
            We will send {plan.expertsNeeded === 1 ? 'an expert' : `${plan.expertsNeeded} experts`} for {plan.skills.join(', ')}.
          </Text>
        )}
        {open.error && (
          <Alert color="red" role="alert" title={open.error instanceof ApiError ? open.error.problem.title : 'Could not open the ticket'}>
            {open.error.message}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={open.isPending}>
            Open the ticket
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
