import { Title } from '@mantine/core';
import { SignedIn } from '../../../auth/session';

/** Read models, sagas, the outbox and rebuilds. */
export function OpsPage({ user: _user }: { user: SignedIn }) {
  return (
    <Title order={1} size="h2">
      Operations
    </Title>
  );
}
