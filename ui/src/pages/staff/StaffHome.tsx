import { Anchor, Stack, Text, Title } from '@mantine/core';
import { SignedIn } from '../../auth/session';

/** Staff land here; the helpdesk, admin, manager and ops consoles build on this shell. */
export function StaffHome({ user }: { user: SignedIn }) {
  return (
    <Stack>
      <Title order={2}>Welcome, {user.email}</Title>
      <Text>
        The API and its documentation: <Anchor href="/docs">/docs</Anchor>. Read-model and saga progress: <Anchor href="/projections">/projections</Anchor>.
      </Text>
    </Stack>
  );
}
