import { Title } from '@mantine/core';
import { SignedIn } from '../../../auth/session';

/** The helpdesk console: the queue, ticket workspaces, search. */
export function HelpdeskConsole({ user: _user }: { user: SignedIn }) {
  return (
    <Title order={1} size="h2">
      Helpdesk
    </Title>
  );
}
