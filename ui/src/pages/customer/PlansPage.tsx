import { Alert, Badge, Button, Card, Group, Loader, Modal, Radio, Select, SimpleGrid, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, must } from '../../api/client';
import type { Body } from '../../api/answers';
import { useCategories } from './catalog';
import { day, ME, money, Plan, problemCode, problemText, productName, tierName, useActionKey, useMe, useTiers } from './account';
import { LoadFailed } from '../LoadFailed';

type Purchase = Body<'/customers/{customerId}/plans', 'post'>;

/** Support plans per product: the active ones (cancel), buying one for another product, the cancelled ones. */
export function PlansPage() {
  const me = useMe();
  const [cancelling, setCancelling] = useState<Plan | null>(null);

  return (
    <Stack maw={900}>
      <Title order={1} size="h2">Support plans</Title>
      <Text c="dimmed" size="sm">
        A plan covers one kind of appliance: repairs of it are part of your monthly subscription.
      </Text>
      {me.isPending && <Loader aria-label="Loading your plans" />}
      {me.error && (
        <LoadFailed what="Your plans" error={me.error} retry={() => me.refetch()} />
      )}
      {me.data && (
        <>
          <Title order={2} size="h4">
            Active plans
          </Title>
          {me.data.activePlans.length === 0 ? (
            <Text c="dimmed" data-testid="no-plans">
              No active plan: nothing is covered yet. Buy one below for the appliance you want covered.
            </Text>
          ) : (
            <Table striped withTableBorder data-testid="active-plans">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Product</Table.Th>
                  <Table.Th>Tier</Table.Th>
                  <Table.Th>Per month</Table.Th>
                  <Table.Th>Since</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {me.data.activePlans.map((plan) => (
                  <Table.Tr key={plan.planId}>
                    <Table.Td>{productName(plan.product)}</Table.Td>
                    <Table.Td>
                      <Badge variant="outline">{tierName(plan.tier)}</Badge>
                    </Table.Td>
                    <Table.Td>{money(plan.monthlyPriceCents)}</Table.Td>
                    <Table.Td>{day(plan.purchasedAt)}</Table.Td>
                    <Table.Td ta="right">
                      <Button variant="subtle" color="red" size="xs" onClick={() => setCancelling(plan)} aria-label={`Cancel the ${productName(plan.product)} plan`}>
                        Cancel
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <BuyPlan customerId={me.data.customerId} covered={me.data.activePlans.map((p) => p.product)} />
          <CancelledPlans plans={me.data.plans.filter((p) => !p.active)} />
          <CancelPlan customerId={me.data.customerId} plan={cancelling} onClose={() => setCancelling(null)} />
        </>
      )}
    </Stack>
  );
}

function BuyPlan({ customerId, covered }: { customerId: string; covered: string[] }) {
  const categories = useCategories();
  const tiers = useTiers();
  const queries = useQueryClient();
  const [product, setProduct] = useState<string | null>(null);
  const [tier, setTier] = useState<Purchase['tier'] | null>(null);
  const [shown, setShown] = useState(false);
  const [key, renewKey] = useActionKey();
  const buy = useMutation({
    mutationFn: async (body: Purchase) => must(await api.POST('/customers/{customerId}/plans', { params: { path: { customerId }, header: { 'Idempotency-Key': key } }, body })),
    onSuccess: (plan) => {
      renewKey();
      setProduct(null);
      setTier(null);
      setShown(false);
      void queries.invalidateQueries({ queryKey: ME });
      notifications.show({ color: 'green', title: 'Plan bought', message: `${productName(plan.product)} is covered by the ${plan.tier} plan from today.` });
    },
  });

  const code = problemCode(buy.error);
  const productError = (shown && !product ? 'Pick the appliance to cover' : undefined) ?? (code === 'product-already-covered' && buy.error ? buy.error.message : undefined);
  const tierError = shown && !tier ? 'Pick a tier' : undefined;
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setShown(true);
    if (!product || !tier) return;
    buy.mutate({ product, tier });
  };
  const options = (categories.data ?? []).map((c) => ({ value: c.category, label: covered.includes(c.category) ? `${productName(c.category)} (covered)` : productName(c.category), disabled: covered.includes(c.category) }));

  return (
    <Card withBorder component="section" aria-labelledby="buy-plan-title">
      <form onSubmit={submit} noValidate>
        <Stack>
          <Title order={2} size="h4" id="buy-plan-title">
            Buy a plan
          </Title>
          {categories.error && !categories.data && <Alert color="yellow">The list of appliances could not be loaded: {categories.error.message}</Alert>}
          <Select
            label="Appliance to cover"
            placeholder={categories.isPending ? 'Loading…' : 'Pick a kind of appliance'}
            data={options}
            value={product}
            onChange={(value) => {
              setProduct(value);
              buy.reset();
            }}
            searchable
            nothingFoundMessage="No such appliance"
            error={productError}
            maw={360}
          />
          <Radio.Group label="Tier" value={tier} onChange={(value) => setTier(value as Purchase['tier'])} error={tierError}>
            {tiers.isPending && <Loader size="sm" aria-label="Loading the tiers" />}
            {tiers.error && (
              <Alert color="red" mt="xs">
                The tiers and prices could not be loaded: {tiers.error.message}
              </Alert>
            )}
            {tiers.data && (
              <SimpleGrid cols={3} mt="xs" maw={600}>
                {tiers.data.map((t) => (
                  <Radio.Card key={t.tier} value={t.tier} p="sm" radius="md" withBorder data-testid="tier">
                    <Group wrap="nowrap" align="flex-start">
                      <Radio.Indicator />
                      <div>
                        <Text fw={600}>{tierName(t.tier)}</Text>
                        <Text size="sm">{money(t.monthlyPriceCents, t.currency)} a month</Text>
                      </div>
                    </Group>
                  </Radio.Card>
                ))}
              </SimpleGrid>
            )}
          </Radio.Group>
          {buy.error && code !== 'product-already-covered' && (
            <Alert color="red" role="alert" title="The plan was not bought">
              {problemText(buy.error)}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={buy.isPending}>
              Buy the plan
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function CancelledPlans({ plans }: { plans: Plan[] }) {
  if (plans.length === 0) return null;
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Cancelled plans
      </Title>
      <Table withTableBorder data-testid="cancelled-plans">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Product</Table.Th>
            <Table.Th>Tier</Table.Th>
            <Table.Th>Per month</Table.Th>
            <Table.Th>From</Table.Th>
            <Table.Th>Cancelled</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {plans.map((plan) => (
            <Table.Tr key={plan.planId}>
              <Table.Td>{productName(plan.product)}</Table.Td>
              <Table.Td>{tierName(plan.tier)}</Table.Td>
              <Table.Td>{money(plan.monthlyPriceCents)}</Table.Td>
              <Table.Td>{day(plan.purchasedAt)}</Table.Td>
              <Table.Td>{day(plan.cancelledAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

function CancelPlan({ customerId, plan, onClose }: { customerId: string; plan: Plan | null; onClose: () => void }) {
  const queries = useQueryClient();
  const [key, renewKey] = useActionKey();
  const cancel = useMutation({
    mutationFn: async (planId: string) => must(await api.DELETE('/customers/{customerId}/plans/{planId}', { params: { path: { customerId, planId }, header: { 'Idempotency-Key': key } } })),
    onSuccess: () => {
      renewKey();
      void queries.invalidateQueries({ queryKey: ME });
      notifications.show({ title: 'Plan cancelled', message: `${productName(plan?.product ?? '')} is no longer covered.` });
      onClose();
    },
  });
  const close = () => {
    cancel.reset();
    onClose();
  };
  return (
    <Modal opened={plan !== null} onClose={close} title={plan ? `Cancel the ${productName(plan.product)} plan?` : ''}>
      {plan && (
        <Stack>
          <Text size="sm">
            Repairs of your {productName(plan.product).toLowerCase()} will no longer be covered. You can buy a plan for it again later.
          </Text>
          {cancel.error && (
            <Alert color="red" role="alert">
              {problemText(cancel.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Keep the plan
            </Button>
            <Button color="red.9" loading={cancel.isPending} onClick={() => cancel.mutate(plan.planId)}>
              Cancel the plan
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
