import { Autocomplete, Badge, Button, Card, Group, Loader, Modal, Select, Stack, Switch, Table, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, must } from '../../../api/client';
import type { Answer, Body } from '../../../api/answers';
import { LoadFailed } from '../../LoadFailed';
import { ProblemAlert } from '../../expert/ProblemAlert';
import { useActionKey, useKnownSkills } from './experts';

type Model = Answer<'/catalog/models', 'get'>['models'][number];
const CATALOG = ['admin', 'catalog'] as const;

function useCatalogCommand<T>(send: (key: string, input: T) => Promise<unknown>, done: (input: T) => string) {
  const queries = useQueryClient();
  const [key, renewKey] = useActionKey();
  return useMutation({
    mutationFn: (input: T) => send(key, input),
    onSuccess: (_answer, input) => {
      renewKey();
      void queries.invalidateQueries({ queryKey: CATALOG });
      notifications.show({ color: 'green', title: done(input), message: 'The ticket form shows it within a minute.' });
    },
  });
}

const name = (m: Model) => `${m.brand} ${m.model}`;

/** The appliance catalog: models by brand, their skills and aliases; add, change, retire (with a successor) and reinstate; free text tried against it. */
export function Catalog() {
  const [category, setCategory] = useState<string | null>(null);
  const [retired, setRetired] = useState(true);
  const [text, setText] = useState('');
  const [editing, setEditing] = useState<Model | null>(null);
  const [retiring, setRetiring] = useState<Model | null>(null);
  const models = useQuery({ queryKey: [...CATALOG, 'models'], queryFn: async () => must(await api.GET('/catalog/models', { params: { query: { includeRetired: 'true' } } })) });
  const all = models.data?.models ?? [];
  const categories = [...new Set(all.map((m) => m.category))].sort();
  const needle = text.trim().toLowerCase();
  const shown = all.filter((m) => (retired || !m.retired) && (!category || m.category === category) && (!needle || `${name(m)} ${m.aliases.join(' ')}`.toLowerCase().includes(needle)));
  return (
    <Stack>
      <Title order={2} size="h3">
        Appliance catalog
      </Title>
      <Group align="flex-end">
        <TextInput label="Find" placeholder="Brand, model or alias" value={text} onChange={(e) => setText(e.currentTarget.value)} w={240} />
        <Select label="Category" placeholder="Every category" data={categories} value={category} onChange={setCategory} clearable searchable w={200} />
        <Switch label="Show retired models" checked={retired} onChange={(e) => setRetired(e.currentTarget.checked)} mb={8} />
      </Group>
      {models.isPending && <Loader aria-label="Loading the catalog" />}
      {models.error && <LoadFailed what="The catalog" error={models.error} retry={() => models.refetch()} />}
      {models.data && (
        <>
          <Text size="sm" c="dimmed">
            {shown.length} of {all.length} model(s)
          </Text>
          <Table.ScrollContainer minWidth={900}>
            <Table striped withTableBorder data-testid="models">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Model</Table.Th>
                  <Table.Th>Category</Table.Th>
                  <Table.Th>Required skills</Table.Th>
                  <Table.Th>Aliases</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shown.map((m) => (
                  <Table.Tr key={m.modelId}>
                    <Table.Th scope="row" fw={500}>
                      {name(m)}
                    </Table.Th>
                    <Table.Td>{m.category}</Table.Td>
                    <Table.Td>{m.requiredSkills.join(', ')}</Table.Td>
                    <Table.Td>
                      <Text size="sm">{m.aliases.join(', ') || '—'}</Text>
                    </Table.Td>
                    <Table.Td>
                      {m.retired ? (
                        <Stack gap={0}>
                          <Badge color="gray" variant="light">
                            retired
                          </Badge>
                          {m.successorId && <Text size="xs">replaced by {all.find((s) => s.modelId === m.successorId)?.model ?? m.successorId}</Text>}
                        </Stack>
                      ) : (
                        <Badge color="green" variant="light">
                          listed
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Button size="xs" variant="subtle" onClick={() => setEditing(m)} aria-label={`Edit ${name(m)}`}>
                          Edit
                        </Button>
                        {m.retired ? <Reinstate model={m} /> : (
                          <Button size="xs" variant="subtle" color="red" onClick={() => setRetiring(m)} aria-label={`Retire ${name(m)}`}>
                            Retire
                          </Button>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </>
      )}
      <FreeText models={all} />
      <NewModel categories={categories} />
      <Categories />
      <EditModel model={editing} onClose={() => setEditing(null)} />
      <RetireModel model={retiring} models={all} onClose={() => setRetiring(null)} />
    </Stack>
  );
}

function NewModel({ categories }: { categories: string[] }) {
  const skills = useKnownSkills();
  const empty = { brand: '', model: '', category: '', requiredSkills: [] as string[], aliases: [] as string[] };
  const [form, setForm] = useState(empty);
  const add = useCatalogCommand(async (key, body: Body<'/catalog/models', 'post'>) => must(await api.POST('/catalog/models', { params: { header: { 'Idempotency-Key': key } }, body })), (body) => `${body.brand} ${body.model} added`);
  return (
    <Card withBorder component="section" aria-labelledby="new-model-title">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate(form, { onSuccess: () => setForm(empty) });
        }}
        noValidate
      >
        <Stack gap="xs">
          <Title order={3} size="h5" id="new-model-title">
            Add a model
          </Title>
          <Group align="flex-start" grow>
            <TextInput label="Brand" value={form.brand} onChange={(e) => setForm({ ...form, brand: e.currentTarget.value })} />
            <TextInput label="Model" value={form.model} onChange={(e) => setForm({ ...form, model: e.currentTarget.value })} />
            <Autocomplete label="Category" description="Pick one or type a new one" data={categories} value={form.category} onChange={(category) => setForm({ ...form, category })} />
          </Group>
          <Group align="flex-start" grow>
            <TagsInput label="Required skills" data={skills} value={form.requiredSkills} onChange={(requiredSkills) => setForm({ ...form, requiredSkills })} />
            <TagsInput label="Aliases" description="Other spellings customers use" value={form.aliases} onChange={(aliases) => setForm({ ...form, aliases })} />
          </Group>
          <ProblemAlert error={add.error} />
          <Group>
            <Button type="submit" loading={add.isPending}>
              Add model
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function EditModel({ model, onClose }: { model: Model | null; onClose: () => void }) {
  return (
    <Modal opened={model !== null} onClose={onClose} title={model ? `Edit ${name(model)}` : ''} size="lg">
      {model && <EditForm key={model.modelId} model={model} onDone={onClose} />}
    </Modal>
  );
}

function EditForm({ model, onDone }: { model: Model; onDone: () => void }) {
  const known = useKnownSkills();
  const [requiredSkills, setSkills] = useState(model.requiredSkills);
  const [aliases, setAliases] = useState(model.aliases);
  const save = useCatalogCommand(
    async (key, body: Body<'/catalog/models/{modelId}', 'patch'>) => must(await api.PATCH('/catalog/models/{modelId}', { params: { path: { modelId: model.modelId }, header: { 'Idempotency-Key': key } }, body })),
    () => `${name(model)} changed`,
  );
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ requiredSkills, aliases }, { onSuccess: onDone });
      }}
    >
      <Stack>
        <TagsInput label="Required skills" data={known} value={requiredSkills} onChange={setSkills} />
        <TagsInput label="Aliases" description="Free text customers type that means this model" value={aliases} onChange={setAliases} />
        <ProblemAlert error={save.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Retire a model; a successor (a listed model of the same category) takes over new tickets naming it. */
function RetireModel({ model, models, onClose }: { model: Model | null; models: Model[]; onClose: () => void }) {
  const [successor, setSuccessor] = useState<string | null>(null);
  const retire = useCatalogCommand(
    async (key, input: { modelId: string; successorId: string | null }) =>
      must(await api.POST('/catalog/models/{modelId}/retire', { params: { path: { modelId: input.modelId }, header: { 'Idempotency-Key': key } }, body: input.successorId ? { successorId: input.successorId } : {} })),
    () => `${model ? name(model) : 'The model'} retired`,
  );
  const close = () => {
    retire.reset();
    setSuccessor(null);
    onClose();
  };
  const candidates = model ? models.filter((m) => !m.retired && m.category === model.category && m.modelId !== model.modelId).map((m) => ({ value: m.modelId, label: name(m) })) : [];
  return (
    <Modal opened={model !== null} onClose={close} title={model ? `Retire ${name(model)}` : ''}>
      {model && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            retire.mutate({ modelId: model.modelId, successorId: successor }, { onSuccess: close });
          }}
        >
          <Stack>
            <Text size="sm">New tickets can no longer pick it. Tickets already open keep it.</Text>
            <Select label="Successor" description={`Optional: a listed ${model.category}; a new ticket naming the retired model is recorded with it`} placeholder="No successor" data={candidates} value={successor} onChange={setSuccessor} clearable searchable />
            <ProblemAlert error={retire.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" color="red" loading={retire.isPending}>
                Retire
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function Reinstate({ model }: { model: Model }) {
  const reinstate = useCatalogCommand(async (key, _: void) => must(await api.POST('/catalog/models/{modelId}/reinstate', { params: { path: { modelId: model.modelId }, header: { 'Idempotency-Key': key } } })), () => `${name(model)} listed again`);
  return (
    <Button size="xs" variant="subtle" onClick={() => reinstate.mutate()} loading={reinstate.isPending} aria-label={`Reinstate ${name(model)}`} title={reinstate.error?.message}>
      Reinstate
    </Button>
  );
}

/** Free text as customers type it, matched against the catalog; a good match can keep the text as an alias, so it matches outright next time. */
function FreeText({ models }: { models: Model[] }) {
  const [text, setText] = useState('');
  const [debounced] = useDebouncedValue(text.trim(), 300);
  const matches = useQuery({ queryKey: [...CATALOG, 'match', debounced], queryFn: async () => must(await api.GET('/catalog/models/match', { params: { query: { text: debounced, limit: 5 } } })), enabled: debounced.length > 0 });
  const alias = useCatalogCommand(
    async (key, input: { model: Model; alias: string }) => must(await api.PATCH('/catalog/models/{modelId}', { params: { path: { modelId: input.model.modelId }, header: { 'Idempotency-Key': key } }, body: { aliases: [...input.model.aliases, input.alias] } })),
    (input) => `"${input.alias}" now means ${name(input.model)}`,
  );
  return (
    <Card withBorder component="section" aria-labelledby="free-text-title">
      <Stack gap="xs">
        <Title order={3} size="h5" id="free-text-title">
          Map free text
        </Title>
        <TextInput label="What a customer typed" placeholder="e.g. whirlpool cabrio washer" value={text} onChange={(e) => setText(e.currentTarget.value)} maw={420} />
        {matches.isFetching && <Loader size="sm" aria-label="Matching" />}
        {matches.error && <ProblemAlert error={matches.error} />}
        {matches.data && debounced && (
          matches.data.matches.length === 0 ? (
            <Text size="sm">No listed model matches “{debounced}”.</Text>
          ) : (
            <Table withTableBorder data-testid="matches">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Model</Table.Th>
                  <Table.Th>Score</Table.Th>
                  <Table.Th>Matched on</Table.Th>
                  <Table.Th>Action</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {matches.data.matches.map((m) => {
                  const current = models.find((x) => x.modelId === m.modelId) ?? m.model;
                  const already = current.aliases.some((a) => a.toLowerCase() === debounced.toLowerCase());
                  return (
                    <Table.Tr key={m.modelId}>
                      <Table.Td>{name(current)}</Table.Td>
                      <Table.Td>{Math.round(m.score * 100)} %</Table.Td>
                      <Table.Td>{m.matchedOn}</Table.Td>
                      <Table.Td>
                        <Button size="xs" variant="light" disabled={already} onClick={() => alias.mutate({ model: current, alias: debounced })} aria-label={`Keep “${debounced}” as an alias of ${name(current)}`}>
                          {already ? 'Alias already' : 'Keep as alias'}
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          )
        )}
        <ProblemAlert error={alias.error} />
      </Stack>
    </Card>
  );
}

/** Categories of the listed models, with the first visit a new ticket of each proposes. */
function Categories() {
  const categories = useQuery({ queryKey: [...CATALOG, 'categories'], queryFn: async () => must(await api.GET('/catalog/categories')) });
  return (
    <Card withBorder component="section" aria-labelledby="categories-title">
      <Title order={3} size="h5" id="categories-title" mb="xs">
        Categories
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        A category exists while a listed model has it; its first visit comes from its models’ required skills.
      </Text>
      {categories.isPending && <Loader aria-label="Loading the categories" />}
      {categories.error && <LoadFailed what="The categories" error={categories.error} retry={() => categories.refetch()} />}
      {categories.data && (
        <Table withTableBorder striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Category</Table.Th>
              <Table.Th>First visit: skills</Table.Th>
              <Table.Th ta="right">Experts</Table.Th>
              <Table.Th ta="right">Minutes</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {categories.data.categories.map((c) => (
              <Table.Tr key={c.category}>
                <Table.Td>{c.category}</Table.Td>
                <Table.Td>{c.firstVisit.skills.join(', ')}</Table.Td>
                <Table.Td ta="right">{c.firstVisit.expertsNeeded}</Table.Td>
                <Table.Td ta="right">{c.firstVisit.durationMinutes}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
