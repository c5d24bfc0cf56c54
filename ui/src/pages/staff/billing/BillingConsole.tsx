import { Stack, Title } from '@mantine/core';
import { Route, Routes } from 'react-router';
import { SignedIn } from '../../../auth/session';
import { CustomerBilling } from './CustomerBilling';
import { CustomerSearch } from './CustomerSearch';

/** A customer's invoices as staff see them; admins refund and issue credit notes, helpdesk reads. */
export function BillingConsole({ user }: { user: SignedIn }) {
  return (
    <Stack>
      <Title order={1} size="h2">
        Customer billing
      </Title>
      <Routes>
        <Route index element={<CustomerSearch />} />
        <Route path=":customerId" element={<CustomerBilling canGiveBack={user.role === 'admin'} />} />
      </Routes>
    </Stack>
  );
}
