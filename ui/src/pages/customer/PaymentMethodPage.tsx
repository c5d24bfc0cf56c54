import { Alert, Badge, Button, Card, Group, Loader, Stack, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { api, must } from '../../api/client';
import { brandName, Card as CardView, day, expiryText, maskedCard, ME, problemCode, problemText, useActionKey, useMe } from './account';
import { brandOf, CardOnFile, digitsOf, expiryOf, numberProblem, tokenize } from './card';
import { LoadFailed } from '../LoadFailed';

/** The card on file, masked (brand, last four, expiry), and replacing it. */
export function PaymentMethodPage() {
  const me = useMe();
  const [editing, setEditing] = useState(false);
  return (
    <Stack maw={640}>
      <Title order={1} size="h2">Payment method</Title>
      <Text c="dimmed" size="sm">
        Your support plans are charged to this card each month. We keep only its brand, last four digits and expiry: never the number.
      </Text>
      {me.isPending && <Loader aria-label="Loading your payment method" />}
      {me.error && (
        <LoadFailed what="Your payment method" error={me.error} retry={() => me.refetch()} />
      )}
      {me.data && (
        <>
          {me.data.paymentMethod ? (
            <OnFile card={me.data.paymentMethod} paidUntil={me.data.paidUntil} />
          ) : (
            <Alert color="yellow" title="No card on file" data-testid="no-card">
              Add a card so your support plans can be charged.
            </Alert>
          )}
          {editing || !me.data.paymentMethod ? (
            <CardForm customerId={me.data.customerId} replacing={me.data.paymentMethod !== null} onDone={() => setEditing(false)} />
          ) : (
            <Group>
              <Button variant="light" onClick={() => setEditing(true)}>
                Replace the card
              </Button>
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}

function OnFile({ card, paidUntil }: { card: CardView; paidUntil: string | null }) {
  const expired = card.expiry !== null && card.expiry < new Date().toISOString().slice(0, 7);
  return (
    <Card withBorder data-testid="card-on-file">
      <Group justify="space-between">
        <Stack gap={2}>
          <Text fw={600} size="lg" data-testid="masked-card">
            {brandName(card.brand)} <span aria-hidden="true">•••• </span>
            <VisuallyHidden>ending in </VisuallyHidden>
            {card.last4}
          </Text>
          <Text size="sm">{card.expiry ? `Expires ${expiryText(card.expiry)}` : 'Expiry not recorded'}</Text>
        </Stack>
        {expired ? <Badge color="red.9">Expired</Badge> : <Badge color="teal.9">On file</Badge>}
      </Group>
      {paidUntil && (
        <Text size="sm" c="dimmed" mt="xs">
          Your subscription is paid until {day(paidUntil)}.
        </Text>
      )}
      {!expired && card.expiresBeforeBilling && (
        <Alert color="yellow" mt="sm" title="This card expires before your next bill" data-testid="card-expiring">
          Your next bill is on {day(card.expiresBeforeBilling)}, after this card's last month. Replace it below so your plans stay paid.
        </Alert>
      )}
    </Card>
  );
}

function CardForm({ customerId, replacing, onDone }: { customerId: string; replacing: boolean; onDone: () => void }) {
  const queries = useQueryClient();
  const [number, setNumber] = useState('');
  const [expiryInput, setExpiryInput] = useState('');
  const [shown, setShown] = useState(false);
  // What the gateway's card form said of the card (refused, unreachable): shown on the number.
  const [refused, setRefused] = useState<string | null>(null);
  const [key, renewKey] = useActionKey();
  // One token per card typed: sending the same card again (after a lost answer) repeats the same request.
  const tokenized = useRef<{ card: string; body: CardOnFile } | null>(null);
  const save = useMutation({
    mutationFn: async (body: CardOnFile) => must(await api.PUT('/customers/{customerId}/payment-method', { params: { path: { customerId }, header: { 'Idempotency-Key': key } }, body })),
    onSuccess: (answer) => {
      renewKey();
      tokenized.current = null;
      void queries.invalidateQueries({ queryKey: ME });
      notifications.show({ color: 'green', title: 'Card saved', message: `${maskedCard(answer.paymentMethod)} will be charged from now on.` });
      onDone();
    },
  });

  const digits = digitsOf(number);
  const expiry = expiryOf(expiryInput);
  const code = problemCode(save.error);
  const numberError = (shown ? numberProblem(number) : null) ?? refused;
  const expiryError = (shown && 'problem' in expiry ? expiry.problem : null) ?? (code === 'card-expired' || code === 'invalid-expiry' ? save.error?.message : null);
  const brand = /^\d{2,}/.test(digits) ? brandOf(digits) : null;

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setShown(true);
    if (numberProblem(number) || 'problem' in expiry) return;
    const card = `${digits} ${expiry.expiry}`;
    setRefused(null);
    if (tokenized.current?.card !== card) {
      try {
        tokenized.current = { card, body: await tokenize(digits, expiry.expiry) };
      } catch (error) {
        setRefused(error instanceof Error ? error.message : String(error));
        return;
      }
    }
    save.mutate(tokenized.current.body);
  };

  return (
    <Card withBorder component="section" aria-labelledby="card-form-title">
      <form onSubmit={(e) => void submit(e)} noValidate autoComplete="on">
        <Stack>
          <Title order={2} size="h4" id="card-form-title">
            {replacing ? 'Replace the card' : 'Add a card'}
          </Title>
          <TextInput
            label="Card number"
            inputMode="numeric"
            autoComplete="cc-number"
            placeholder="1234 5678 9012 3456"
            value={number}
            onChange={(e) => {
              setNumber(e.currentTarget.value);
              setRefused(null);
              save.reset();
            }}
            error={numberError}
            rightSectionWidth={130}
            rightSection={brand && brand !== 'other' ? <Text size="xs" data-testid="brand">{brandName(brand)}</Text> : null}
            maw={360}
          />
          <TextInput
            label="Expiry (MM/YY)"
            autoComplete="cc-exp"
            placeholder="08/29"
            value={expiryInput}
            onChange={(e) => {
              setExpiryInput(e.currentTarget.value);
              save.reset();
            }}
            error={expiryError}
            maw={160}
          />
          {save.error && code !== 'card-expired' && code !== 'invalid-expiry' && (
            <Alert color="red" role="alert" title="The card was not saved">
              {problemText(save.error)}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={save.isPending}>
              Save the card
            </Button>
            {replacing && (
              <Button variant="default" onClick={onDone}>
                Keep the current card
              </Button>
            )}
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
