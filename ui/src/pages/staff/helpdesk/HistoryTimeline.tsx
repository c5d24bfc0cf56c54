import { Anchor, Badge, Button, Code, Group, Loader, Text, Timeline } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, must } from '../../../api/client';
import { when } from '../../format';
import { LoadFailed } from '../../LoadFailed';
import { actorWords, causeWords, describeEvent, HistoryEntry } from './words';

const ROLE_COLORS: Record<string, string> = { customer: 'blue', expert: 'teal', helpdesk: 'orange', admin: 'red', manager: 'grape', system: 'gray' };

/** The ticket's audit trail (its events and its visits'), oldest first: who did what, when, and why. */
export function HistoryTimeline({ ticketId }: { ticketId: string }) {
  const history = useQuery({
    queryKey: ['ticket', ticketId, 'history'],
    queryFn: async () => must(await api.GET('/tickets/{ticketId}/history', { params: { path: { ticketId } } })),
  });
  if (history.isPending) return <Loader aria-label="Loading the history" />;
  if (history.error) return <LoadFailed what="The history" error={history.error} retry={history.refetch} />;
  return (
    <Timeline bulletSize={16} lineWidth={2} data-testid="timeline">
      {history.data.history.map((entry) => (
        <Timeline.Item key={entry.eventId} title={describeEvent(entry)} id={`event-${entry.eventId}`} data-testid="timeline-entry">
          <HistoryDetails entry={entry} />
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

function HistoryDetails({ entry }: { entry: HistoryEntry }) {
  const [raw, setRaw] = useState(false);
  const cause = entry.cause;
  return (
    <>
      <Group gap={6} mt={2}>
        <Text size="xs">{when(entry.at)}</Text>
        <Text size="xs">·</Text>
        <Badge size="xs" variant="light" color={ROLE_COLORS[entry.actor.role]}>
          {entry.actor.role}
        </Badge>
        <Text size="xs" data-testid="actor">
          by {actorWords(entry.actor)}
        </Text>
        <Text size="xs">·</Text>
        <Text size="xs">
          caused by{' '}
          {cause?.kind === 'event' && cause.inHistory ? (
            <Anchor size="xs" href={`#event-${cause.eventId}`}>
              {causeWords(cause)}
            </Anchor>
          ) : (
            causeWords(cause)
          )}
        </Text>
        <Text size="xs">·</Text>
        <Text size="xs" title="Correlation: every event of one user action shares it">
          correlation {entry.correlationId.slice(0, 8)}
        </Text>
        <Button variant="subtle" size="compact-xs" onClick={() => setRaw((r) => !r)} aria-expanded={raw}>
          {raw ? 'Hide the raw event' : 'Show the raw event'}
        </Button>
      </Group>
      {raw && (
        <Code block mt={4} data-testid="raw-event">
          {JSON.stringify({ type: entry.type, stream: entry.stream, revision: entry.revision, position: entry.position, eventId: entry.eventId, correlationId: entry.correlationId, causationId: entry.causationId, actor: entry.actor, data: entry.data }, null, 2)}
        </Code>
      )}
    </>
  );
}
