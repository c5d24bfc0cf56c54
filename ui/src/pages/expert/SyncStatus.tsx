import { Alert, Badge, Button, Collapse, Group, List, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useOnline, useOutbox } from '../../offline/OfflineProvider';
import { useQueued } from '../../offline/outbox';

/**
 * Above every page of the expert app: offline or not, how many of the expert's actions wait to
 * reach the server (and which), and each action the server refused after the connection came
 * back, with its reason, until the expert dismisses it.
 */
export function SyncStatus() {
  const outbox = useOutbox();
  const items = useQueued(outbox);
  const online = useOnline();
  const [open, { toggle }] = useDisclosure(false);
  // A command being sent while the expert waits for its answer is not "waiting to sync" (yet).
  const waiting = items.filter((i) => i.state === 'waiting' && !outbox.isAwaited(i.id));
  const refused = items.filter((i) => i.state === 'refused');
  return (
    <Stack gap="xs" mb={waiting.length > 0 || refused.length > 0 || !online ? 'md' : 0}>
      {/* Always in the page, so screen readers hear it change. */}
      <div role="status" aria-live="polite">
        {(!online || waiting.length > 0) && (
          <Group gap="xs" wrap="wrap">
            {!online && (
              <Badge color="gray.8" variant="filled" data-testid="offline-badge">
                Offline
              </Badge>
            )}
            {waiting.length > 0 && (
              <Badge color="yellow.5" autoContrast variant="filled" data-testid="sync-badge">
                {waiting.length} action{waiting.length === 1 ? '' : 's'} waiting to sync
              </Badge>
            )}
            {waiting.length > 0 && (
              <Button variant="subtle" size="compact-xs" onClick={toggle} aria-expanded={open}>
                {open ? 'Hide' : 'Show'} what waits
              </Button>
            )}
          </Group>
        )}
      </div>
      <Collapse expanded={open && waiting.length > 0}>
        <List size="sm" spacing={2}>
          {waiting.map((item) => (
            <List.Item key={item.id}>
              {item.label}
              {item.lastError && (
                <Text span size="xs" c="gray.7">
                  {' '}
                  — {item.lastError}
                </Text>
              )}
            </List.Item>
          ))}
        </List>
      </Collapse>
      {refused.map((item) => (
        <Alert key={item.id} color="red" role="alert" title={`Not applied: ${item.label}`} data-testid="refused-command">
          <Text size="sm">The server refused it when it was sent: {item.refusal?.detail ?? item.refusal?.title}</Text>
          <Button mt="xs" size="compact-sm" variant="default" onClick={() => void outbox.dismiss(item.id!)}>
            Dismiss
          </Button>
        </Alert>
      ))}
    </Stack>
  );
}
