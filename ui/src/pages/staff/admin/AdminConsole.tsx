import { Title } from '@mantine/core';
import { SignedIn } from '../../../auth/session';

/** Experts, users and roles, the appliance catalog, support plan types. */
export function AdminConsole({ user: _user }: { user: SignedIn }) {
  return (
    <Title order={1} size="h2">
      Administration
    </Title>
  );
}
