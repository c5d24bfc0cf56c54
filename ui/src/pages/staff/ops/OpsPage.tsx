import { Stack, Text, Title } from '@mantine/core';
import { SignedIn } from '../../../auth/session';
import { Outbox } from './Outbox';
import { Pipeline } from './Pipeline';
import { Rebuilds } from './Rebuilds';

/** For ops: how far behind each read model and saga is, the notification outbox, and rebuilding a read model. */
export function OpsPage({ user: _user }: { user: SignedIn }) {
  return (
    <Stack maw={1200}>
      <Title order={1} size="h2">
        Operations
      </Title>
      <Text c="dimmed" size="sm">
        Refreshed every few seconds. The same figures are served to Prometheus at <code>/metrics</code>.
      </Text>
      <Pipeline />
      <Rebuilds />
      <Outbox />
    </Stack>
  );
}
