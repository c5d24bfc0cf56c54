import { Title } from '@mantine/core';
import { SignedIn } from '../../../auth/session';

/** Managers' analytics on the reports read models. */
export function ManagerDashboards({ user: _user }: { user: SignedIn }) {
  return (
    <Title order={1} size="h2">
      Dashboards
    </Title>
  );
}
