import { Anchor, Loader, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, must } from '../../../api/client';
import { LoadFailed } from '../../LoadFailed';
import { day } from '../../customer/account';

/** Find the customer whose invoices to look at, by name or e-mail. */
export function CustomerSearch() {
  const [typed, setTyped] = useState('');
  const [search] = useDebouncedValue(typed.trim(), 250);
  const customers = useQuery({
    queryKey: ['billing', 'customers', search],
    queryFn: async () => must(await api.GET('/customers', { params: { query: { ...(search ? { q: search } : {}), limit: 20 } } })),
    placeholderData: keepPreviousData,
  });
  return (
    <Stack maw={800}>
      <TextInput label="Customer" description="Name or e-mail" value={typed} onChange={(e) => setTyped(e.currentTarget.value)} />
      {customers.isPending && <Loader aria-label="Loading the customers" />}
      {customers.error && <LoadFailed what="The customers" error={customers.error} retry={() => customers.refetch()} />}
      {customers.data &&
        (customers.data.customers.length === 0 ? (
          <Text c="dimmed">No customer by that name or e-mail.</Text>
        ) : (
          <Table striped withTableBorder data-testid="billing-customers">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Customer</Table.Th>
                <Table.Th>E-mail</Table.Th>
                <Table.Th>Paid until</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {customers.data.customers.map((c) => (
                <Table.Tr key={c.customerId}>
                  <Table.Td>
                    <Anchor component={Link} to={`/staff/billing/${encodeURIComponent(c.customerId)}`}>
                      {c.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{c.email}</Table.Td>
                  <Table.Td>{c.paidUntil ? day(c.paidUntil) : 'Never paid'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ))}
    </Stack>
  );
}
