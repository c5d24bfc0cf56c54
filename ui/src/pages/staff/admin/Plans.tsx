import { Alert, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, must } from '../../../api/client';
import { LoadFailed } from '../../LoadFailed';
import { money } from './experts';

/**
 * The support plan tiers and their monthly prices, as customers are offered them. They are part
 * of the product's definition (each plan keeps the price it was bought at), not data an admin edits.
 */
export function Plans() {
  const tiers = useQuery({ queryKey: ['admin', 'plans'], queryFn: async () => must(await api.GET('/catalog/support-plans')) });
  return (
    <Stack maw={700}>
      <Title order={2} size="h3">
        Support plans
      </Title>
      <Text>A customer buys a plan per kind of appliance; the plan keeps the monthly price it was bought at, and each month’s invoice charges it.</Text>
      {tiers.isPending && <Loader aria-label="Loading the plans" />}
      {tiers.error && <LoadFailed what="The plans" error={tiers.error} retry={() => tiers.refetch()} />}
      {tiers.data && (
        <Table withTableBorder striped data-testid="plans">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Tier</Table.Th>
              <Table.Th ta="right">Per month</Table.Th>
              <Table.Th>Currency</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {tiers.data.tiers.map((t) => (
              <Table.Tr key={t.tier}>
                <Table.Td tt="capitalize">{t.tier}</Table.Td>
                <Table.Td ta="right">{money(t.monthlyPriceCents)}</Table.Td>
                <Table.Td>{t.currency}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Alert color="blue" title="Changing a price">
        The tiers and prices are set with the release, not here: a new price applies to plans bought after it is deployed, and plans already bought keep theirs.
      </Alert>
    </Stack>
  );
}
