import { Title } from '@mantine/core';
import { SignedIn } from '../../../auth/session';

/** Experts by the hour: who is free when. */
export function DispatchBoard({ user: _user }: { user: SignedIn }) {
  return (
    <Title order={1} size="h2">
      Dispatch board
    </Title>
  );
}
