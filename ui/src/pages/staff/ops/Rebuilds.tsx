import { Badge, Button, Group, Loader, Paper, Progress, Select, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, must } from '../../../api/client';
import type { Answer } from '../../../api/answers';
import { when } from '../../format';
import { LoadFailed } from '../../LoadFailed';
import { ProblemAlert } from '../../expert/ProblemAlert';
import { duration, PIPELINE } from './pipeline';

type Rebuild = Answer<'/rebuilds/{rebuildId}', 'get'>;
const REBUILDS = ['ops', 'rebuilds'] as const;

const STATE_COLOR = { running: 'blue', done: 'green', failed: 'red' } as const;

/**
 * Rebuilding one read model from history (as `npm run replay -- --projection NAME` does): the
 * current build serves readers until the new one has caught up. Polled fast while one runs.
 */
export function Rebuilds() {
  const queries = useQueryClient();
  const list = useQuery({
    queryKey: REBUILDS,
    queryFn: async () => must(await api.GET('/rebuilds')),
    refetchInterval: (query) => (query.state.data?.rebuilds.some((r) => r.state === 'running') ? 400 : 10_000),
  });
  const [readModel, setReadModel] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: async (name: string) => must(await api.POST('/rebuilds', { body: { readModel: name } })),
    onSuccess: (started) => {
      notifications.show({ color: 'blue', title: 'Rebuild started', message: `${started.readModel}: replaying ${started.head} events.` });
      void queries.invalidateQueries({ queryKey: REBUILDS });
    },
    onSettled: () => void queries.invalidateQueries({ queryKey: PIPELINE }),
  });
  const running = list.data?.rebuilds.find((r) => r.state === 'running');
  const latest = list.data?.rebuilds[0];

  return (
    <Stack gap="xs" component="section" aria-labelledby="rebuild-title">
      <Title order={2} size="h4" id="rebuild-title">
        Rebuild a read model
      </Title>
      <Text size="sm" c="dimmed">
        Replays every event into a fresh copy while the current one keeps answering, then switches readers to it. One rebuild at a time.
      </Text>
      {list.isPending && <Loader aria-label="Loading the rebuilds" />}
      {list.error && <LoadFailed what="The rebuilds" error={list.error} retry={() => list.refetch()} />}
      {list.data && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (readModel) start.mutate(readModel);
          }}
        >
          <Group align="flex-end">
            <Select label="Read model" placeholder="Pick one" data={list.data.readModels} value={readModel} onChange={setReadModel} searchable w={260} />
            <Button type="submit" disabled={!readModel || running !== undefined} loading={start.isPending}>
              Rebuild
            </Button>
            {running && <Text size="sm">Wait until the {running.readModel} rebuild is done.</Text>}
          </Group>
        </form>
      )}
      <ProblemAlert error={start.error} />
      {latest && <Progressing rebuild={latest} />}
      {list.data && list.data.rebuilds.length > 1 && <History rebuilds={list.data.rebuilds.slice(1)} />}
    </Stack>
  );
}

function Progressing({ rebuild }: { rebuild: Rebuild }) {
  const seconds = ((rebuild.finishedAt ? Date.parse(rebuild.finishedAt) : Date.now()) - Date.parse(rebuild.startedAt)) / 1000;
  return (
    <Paper withBorder p="sm" data-testid="rebuild-progress" aria-live="polite">
      <Group justify="space-between" mb={6}>
        <Text fw={600}>{rebuild.readModel}</Text>
        <Badge color={STATE_COLOR[rebuild.state]} variant="light">
          {rebuild.state}
        </Badge>
      </Group>
      <Progress value={rebuild.percent} color={STATE_COLOR[rebuild.state]} animated={rebuild.state === 'running'} aria-label={`${rebuild.readModel} rebuild progress`} />
      <Text size="sm" mt={6}>
        {rebuild.position} of {rebuild.head} events ({rebuild.percent} %), {rebuild.eventsPerSecond} events/s
        {rebuild.state !== 'running' && `, took ${duration(Math.max(0, seconds))}`}
        {rebuild.resumedFrom ? `, resumed from ${rebuild.resumedFrom}` : ''}. Started {when(rebuild.startedAt)}.
      </Text>
      {rebuild.error && (
        <Text size="sm" c="red.9" role="alert">
          {rebuild.error}
        </Text>
      )}
    </Paper>
  );
}

function History({ rebuilds }: { rebuilds: Rebuild[] }) {
  return (
    <Table withTableBorder striped>
      <Table.Caption>Earlier rebuilds (since the server started)</Table.Caption>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Read model</Table.Th>
          <Table.Th>Started</Table.Th>
          <Table.Th>Result</Table.Th>
          <Table.Th ta="right">Events</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rebuilds.map((r) => (
          <Table.Tr key={r.rebuildId}>
            <Table.Td>{r.readModel}</Table.Td>
            <Table.Td>{when(r.startedAt)}</Table.Td>
            <Table.Td>{r.state === 'failed' ? `failed: ${r.error}` : r.state}</Table.Td>
            <Table.Td ta="right">{r.position}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
