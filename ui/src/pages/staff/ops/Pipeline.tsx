import { Badge, Code, Loader, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { LoadFailed } from '../../LoadFailed';
import { ReadModelStatus, SagaStatus, usePipeline } from './pipeline';

interface Row {
  key: string;
  name: string;
  kind: 'read model' | 'saga';
  state: string;
  build: string;
  position: number;
  lag: number;
  eventsPerSecond: number | undefined;
  lastError: { message: string; type: string; position: number; attempts: number } | null | undefined;
  stoppedBecause: string | undefined;
}

function readModelRow(p: ReadModelStatus): Row {
  return { key: `rm:${p.name}:${p.suffix}`, name: p.name, kind: 'read model', state: p.state ?? 'serving', build: [p.suffix, p.role].filter(Boolean).join(', '), position: p.position, lag: p.lag, eventsPerSecond: p.eventsPerSecond, lastError: p.lastError, stoppedBecause: p.divergence?.detail };
}

function sagaRow(s: SagaStatus): Row {
  return { key: `saga:${s.name}`, name: s.name, kind: 'saga', state: s.state, build: `${s.handled} handled, ${s.refused} refused`, position: s.position, lag: s.lag, eventsPerSecond: s.eventsPerSecond, lastError: s.lastError, stoppedBecause: s.divergence?.detail };
}

const STATE_COLOR: Record<string, string> = { live: 'green', running: 'green', serving: 'green', done: 'green', 'catching-up': 'yellow', starting: 'yellow', retrying: 'orange', stopped: 'red' };

/** Read models and sagas: state, position, how far behind the event store, throughput and the last error. */
export function Pipeline() {
  const status = usePipeline();
  return (
    <Stack gap="xs" component="section" aria-labelledby="pipeline-title">
      <Title order={2} size="h4" id="pipeline-title">
        Read models and sagas
      </Title>
      {status.isPending && <Loader aria-label="Loading the pipeline status" />}
      {status.error && <LoadFailed what="The pipeline status" error={status.error} retry={() => status.refetch()} />}
      {status.data && (
        <Table.ScrollContainer minWidth={900}>
          <Table striped withTableBorder data-testid="pipeline">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Build / work</Table.Th>
                <Table.Th ta="right">Position</Table.Th>
                <Table.Th ta="right">Behind (events)</Table.Th>
                <Table.Th ta="right">Events/s</Table.Th>
                <Table.Th>Last error</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {[...status.data.projections.map(readModelRow), ...status.data.sagas.map(sagaRow)].map((r) => (
                <Table.Tr key={r.key}>
                  <Table.Th scope="row" fw={500}>
                    {r.name}
                  </Table.Th>
                  <Table.Td>{r.kind}</Table.Td>
                  <Table.Td>
                    <Badge color={STATE_COLOR[r.state] ?? 'gray'} variant="light">
                      {r.state}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{r.build}</Text>
                  </Table.Td>
                  <Table.Td ta="right">{r.position}</Table.Td>
                  <Table.Td ta="right">
                    <Badge color={r.lag === 0 ? 'green' : r.lag < 0 ? 'red' : 'yellow'} variant="light">
                      {r.lag < 0 ? `ahead by ${-r.lag}` : r.lag}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right">{r.eventsPerSecond === undefined ? '—' : Math.round(r.eventsPerSecond)}</Table.Td>
                  <Table.Td>
                    <LastError row={r} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

function LastError({ row }: { row: Row }) {
  if (row.stoppedBecause) return <Text size="sm" c="red.9">{row.stoppedBecause}</Text>;
  if (!row.lastError) return <Text size="sm" c="dimmed">none</Text>;
  const e = row.lastError;
  return (
    <Tooltip label={`${e.attempts} attempt(s) at position ${e.position}`} withArrow>
      <Text size="sm" tabIndex={0}>
        <Code>{e.type}</Code>: {e.message}
      </Text>
    </Tooltip>
  );
}
