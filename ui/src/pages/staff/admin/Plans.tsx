import { Alert, Button, Group, Loader, Modal, Radio, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { DateInput } from '@mantine/dates';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { useState } from 'react';
import { api, must } from '../../../api/client';
import type { Answer, Body } from '../../../api/answers';
import { LoadFailed } from '../../LoadFailed';
import { ProblemAlert } from '../../expert/ProblemAlert';
import { when } from '../../format';
import { money, useActionKey } from './experts';

type TierPrice = Answer<'/catalog/support-plans', 'get'>['tiers'][number];
type PriceSet = Answer<'/catalog/support-plans/{tier}', 'put'>;
type NewPrice = Body<'/catalog/support-plans/{tier}', 'put'>;

const PLANS = ['admin', 'plans'] as const;

const tierName = (tier: string) => tier.charAt(0).toUpperCase() + tier.slice(1);

/**
 * The support plan tiers and their monthly prices, as customers are offered them now, each
 * editable by an admin. A new price applies to plans bought from then on; plans already bought
 * keep the price they were bought at (each month's invoice charges it).
 */
export function Plans() {
  const tiers = useQuery({ queryKey: PLANS, queryFn: async () => must(await api.GET('/catalog/support-plans')) });
  const [editing, setEditing] = useState<TierPrice | null>(null);
  const [lastSet, setLastSet] = useState<PriceSet | null>(null);
  return (
    <Stack maw={900}>
      <Title order={2} size="h3">
        Support plans
      </Title>
      <Text>A customer buys a plan per kind of appliance at the tier’s price of the day; the plan keeps that monthly price, and each month’s invoice charges it.</Text>
      {tiers.isPending && <Loader aria-label="Loading the plans" />}
      {tiers.error && <LoadFailed what="The plans" error={tiers.error} retry={() => tiers.refetch()} />}
      {tiers.data && <PriceTable tiers={tiers.data.tiers} onEdit={setEditing} />}
      {lastSet && <PriceChanged change={lastSet} />}
      <ChangePrice
        tier={editing}
        onClose={() => setEditing(null)}
        onSet={(change) => {
          setEditing(null);
          setLastSet(change);
        }}
      />
    </Stack>
  );
}

function PriceTable({ tiers, onEdit }: { tiers: TierPrice[]; onEdit: (tier: TierPrice) => void }) {
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table withTableBorder striped data-testid="plans">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Tier</Table.Th>
            <Table.Th ta="right">Per month</Table.Th>
            <Table.Th>Last changed</Table.Th>
            <Table.Th>Actions</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tiers.map((t) => (
            <Table.Tr key={t.tier}>
              <Table.Th scope="row" fw={500}>
                {tierName(t.tier)}
              </Table.Th>
              <Table.Td ta="right">
                {money(t.monthlyPriceCents)}
                {t.nextPrice && (
                  <Text size="xs" c="dimmed">
                    {money(t.nextPrice.monthlyPriceCents)} from {when(t.nextPrice.effectiveFrom)}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Text size="sm">{t.updatedAt ? `${when(t.updatedAt)} by ${t.updatedByEmail ?? t.updatedBy}` : 'Launch price'}</Text>
              </Table.Td>
              <Table.Td>
                <Button size="xs" variant="subtle" onClick={() => onEdit(t)} aria-label={`Change the ${tierName(t.tier)} price`}>
                  Change price
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** What the last change did, in words that say who it reaches (and who it does not). */
function PriceChanged({ change }: { change: PriceSet }) {
  const name = tierName(change.tier);
  if (change.monthlyPriceCents === change.previousCents) {
    return (
      <Alert color="blue" role="status" title={`${name} stays at ${money(change.monthlyPriceCents)} a month`}>
        That was already its price: nothing changed.
      </Alert>
    );
  }
  const later = Date.parse(change.effectiveFrom) > Date.now();
  return (
    <Alert color="green" role="status" title={later ? `${name} will cost ${money(change.monthlyPriceCents)} a month from ${when(change.effectiveFrom)}` : `${name} now costs ${money(change.monthlyPriceCents)} a month`}>
      Customers who buy a {name} plan from {when(change.effectiveFrom)} on pay {money(change.monthlyPriceCents)} instead of {money(change.previousCents)}. Plans already bought keep the price they were bought at.
    </Alert>
  );
}

/**
 * Dollars and cents as typed ("44.99", "$1,299.5") → whole cents. What does not read as an amount
 * goes to the API as it reads (not a whole number of cents), so the API's own message says what is wrong.
 */
function centsOf(text: string): number {
  const cleaned = text.replace(/[$,\s]/g, '');
  const exact = /^(-?)(\d+)(?:\.(\d{0,2}))?$/.exec(cleaned);
  if (exact) {
    const [, sign, dollars, cents = ''] = exact;
    return (sign ? -1 : 1) * (Number(dollars) * 100 + Number(cents.padEnd(2, '0')));
  }
  return cleaned === '' ? Number.NaN : Number(cleaned) * 100;
}

function ChangePrice({ tier, onClose, onSet }: { tier: TierPrice | null; onClose: () => void; onSet: (change: PriceSet) => void }) {
  return (
    <Modal opened={tier !== null} onClose={onClose} title={tier ? `Change the ${tierName(tier.tier)} price` : ''}>
      {tier && <PriceForm key={tier.tier} tier={tier} onCancel={onClose} onSet={onSet} />}
    </Modal>
  );
}

type Start = 'now' | 'day';

function PriceForm({ tier, onCancel, onSet }: { tier: TierPrice; onCancel: () => void; onSet: (change: PriceSet) => void }) {
  const queries = useQueryClient();
  const [key, renewKey] = useActionKey();
  const [amount, setAmount] = useState((tier.monthlyPriceCents / 100).toFixed(2));
  const [start, setStart] = useState<Start>('now');
  const [day, setDay] = useState<string | null>(null);
  const [shown, setShown] = useState(false);
  const name = tierName(tier.tier);
  const set = useMutation({
    mutationFn: async (body: NewPrice) =>
      // NaN travels as null: the API answers that it wants a whole number of cents.
      must(await api.PUT('/catalog/support-plans/{tier}', { params: { path: { tier: tier.tier }, header: { 'Idempotency-Key': key } }, body })),
    onSuccess: (change) => {
      renewKey();
      // The customers' tier list too: a purchase from now on shows and pays the new price.
      void queries.invalidateQueries({ queryKey: PLANS });
      void queries.invalidateQueries({ queryKey: ['catalog', 'support-plans'] });
      notifications.show({ color: 'green', title: `${name} price set`, message: 'Plans already bought keep the price they were bought at.' });
      onSet(change);
    },
  });
  const dayError = shown && start === 'day' && !day ? 'Pick the day it takes effect' : undefined;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setShown(true);
        if (start === 'day' && !day) return;
        // A day starts at the admin's own midnight: the price list stores the instant.
        const effectiveFrom = start === 'day' && day ? { effectiveFrom: dayjs(day).startOf('day').toISOString() } : {};
        set.mutate({ monthlyPriceCents: centsOf(amount), ...effectiveFrom });
      }}
      noValidate
    >
      <Stack>
        <TextInput
          label="New monthly price (USD)"
          description={`Now ${money(tier.monthlyPriceCents)}. Dollars and cents, e.g. 44.99`}
          leftSection="$"
          inputMode="decimal"
          value={amount}
          onChange={(e) => setAmount(e.currentTarget.value)}
          data-autofocus
        />
        <Radio.Group label="Takes effect" value={start} onChange={(value) => setStart(value as Start)}>
          <Group mt={4}>
            <Radio value="now" label="Now" />
            <Radio value="day" label="From a later day" />
          </Group>
        </Radio.Group>
        {start === 'day' && (
          <DateInput
            label="From"
            description="Purchases from the start of that day (your time) pay the new price"
            placeholder="YYYY-MM-DD"
            valueFormat="YYYY-MM-DD"
            minDate={dayjs().add(1, 'day').format('YYYY-MM-DD')}
            value={day}
            onChange={setDay}
            error={dayError}
            maw={220}
          />
        )}
        <Text size="sm">
          Customers who buy a {name} plan {start === 'now' ? 'from now on' : 'from that day on'} pay the new price. Plans already bought keep the price they were bought at, and so do their invoices.
        </Text>
        <ProblemAlert error={set.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={set.isPending}>
            Set the new price
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
