import { Affix, Button, Group, Paper, Text } from '@mantine/core';
import { useRegisterSW } from 'virtual:pwa-register/react';

/**
 * Registers the service worker (the installable, offline app shell) and, when a new build has
 * been downloaded, offers to switch to it: never by itself, in the middle of a visit.
 */
export function AppUpdate() {
  const {
    needRefresh: [needRefresh, setNeedRefresh],
    updateServiceWorker,
  } = useRegisterSW();
  if (!needRefresh) return null;
  return (
    <Affix position={{ bottom: 16, left: 16, right: 16 }} zIndex={400}>
      <Paper withBorder shadow="md" p="sm" maw={420} role="status">
        <Text size="sm">A new version of the app is ready.</Text>
        <Group mt="xs" gap="xs">
          <Button size="xs" onClick={() => void updateServiceWorker(true)}>
            Reload now
          </Button>
          <Button size="xs" variant="subtle" onClick={() => setNeedRefresh(false)}>
            Later
          </Button>
        </Group>
      </Paper>
    </Affix>
  );
}
