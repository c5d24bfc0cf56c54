import { Alert, Badge, Box, Button, Card, Group, Input, Loader, Stack, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api, must } from '../../api/client';
import { brandName, Card as CardView, day, expiryText, maskedCard, ME, problemCode, problemText, useActionKey, useMe } from './account';
import { brandOf, CardOnFile, confirmStripeCard, digitsOf, expiryOf, mountStripeCard, numberProblem, StripeCardForm, StripeCardProblem, tokenize } from './card';
import { LoadFailed } from '../LoadFailed';
import { useWebAppConfig } from '../expert/config';

/** The card on file, masked (brand, last four, expiry), and replacing it. */
export function PaymentMethodPage() {
  const me = useMe();
  // Which gateway's card form to show: Stripe's when the server charges through Stripe.
  const config = useWebAppConfig();
  const [editing, setEditing] = useState(false);
  return (
    <Stack maw={640}>
      <Title order={1} size="h2">Payment method</Title>
      <Text c="dimmed" size="sm">
        Your support plans are charged to this card each month. We keep only its brand, last four digits and expiry: never the number.
      </Text>
      {(me.isPending || config.isPending) && <Loader aria-label="Loading your payment method" />}
      {me.error && (
        <LoadFailed what="Your payment method" error={me.error} retry={() => me.refetch()} />
      )}
      {config.error && <LoadFailed what="The card form" error={config.error} retry={() => config.refetch()} />}
      {me.data && config.data && (
        <>
          {me.data.paymentMethod ? (
            <OnFile card={me.data.paymentMethod} paidUntil={me.data.paidUntil} />
          ) : (
            <Alert color="yellow" title="No card on file" data-testid="no-card">
              Add a card so your support plans can be charged.
            </Alert>
          )}
          {editing || !me.data.paymentMethod ? (
            config.data.payments.publishableKey ? (
              <StripeCardEntry customerId={me.data.customerId} publishableKey={config.data.payments.publishableKey} replacing={me.data.paymentMethod !== null} onDone={() => setEditing(false)} />
            ) : (
              <CardForm customerId={me.data.customerId} replacing={me.data.paymentMethod !== null} onDone={() => setEditing(false)} />
            )
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

interface CardFormProps {
  customerId: string;
  replacing: boolean;
  onDone: () => void;
}

/** After a card is saved: the profile shows it, the customer is told which card is charged. */
function useCardSaved(onDone: () => void) {
  const queries = useQueryClient();
  return (answer: { paymentMethod: CardView }) => {
    void queries.invalidateQueries({ queryKey: ME });
    notifications.show({ color: 'green', title: 'Card saved', message: `${maskedCard(answer.paymentMethod)} will be charged from now on.` });
    onDone();
  };
}

/** The sandbox gateway's card form: number and expiry typed here, checked, then tokenized by the sandbox. */
function CardForm({ customerId, replacing, onDone }: CardFormProps) {
  const saved = useCardSaved(onDone);
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
      saved(answer);
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

/**
 * Stripe's card form (Stripe.js Card Element): the card goes from it to Stripe only. Stripe
 * confirms it for later charges, then our server saves the card it reads back from Stripe.
 */
function StripeCardEntry({ customerId, publishableKey, replacing, onDone }: CardFormProps & { publishableKey: string }) {
  const saved = useCardSaved(onDone);
  const mountPoint = useRef<HTMLDivElement>(null);
  const [form, setForm] = useState<StripeCardForm | null>(null);
  const [loadProblem, setLoadProblem] = useState<string | null>(null);
  // What Stripe's form says of the card as it is typed (incomplete, invalid number).
  const [typingProblem, setTypingProblem] = useState<string | null>(null);
  const [key, renewKey] = useActionKey();
  // A card Stripe confirmed whose save got no answer: saving again repeats only the save.
  const confirmed = useRef<string | null>(null);
  // Typing again clears what was said of the card last tried.
  const clearRefusal = useRef(() => {});

  useEffect(() => {
    let cancelled = false;
    let mounted: StripeCardForm | null = null;
    mountStripeCard(publishableKey, mountPoint.current!, (problem) => {
      confirmed.current = null;
      clearRefusal.current();
      setTypingProblem(problem);
    }).then(
      (ready) => {
        if (cancelled) return ready.card.destroy();
        mounted = ready;
        setForm(ready);
      },
      (error: unknown) => !cancelled && setLoadProblem(error instanceof Error ? error.message : String(error)),
    );
    return () => {
      cancelled = true;
      mounted?.card.destroy();
    };
  }, [publishableKey]);

  const save = useMutation({
    mutationFn: async (ready: StripeCardForm) => {
      confirmed.current ??= await confirmStripeCard(ready, customerId);
      const body = { setupId: confirmed.current };
      return must(await api.POST('/customers/{customerId}/payment-method/from-setup', { params: { path: { customerId }, header: { 'Idempotency-Key': key } }, body }));
    },
    onSuccess: (answer) => {
      renewKey();
      confirmed.current = null;
      saved(answer);
    },
  });
  clearRefusal.current = save.reset;
  // Announced: the card field is Stripe's frame, so focus stays on the button when Stripe refuses.
  const refused = save.error instanceof StripeCardProblem ? save.error.message : null;

  return (
    <Card withBorder component="section" aria-labelledby="card-form-title">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (form) save.mutate(form);
        }}
        noValidate
      >
        <Stack>
          <Title order={2} size="h4" id="card-form-title">
            {replacing ? 'Replace the card' : 'Add a card'}
          </Title>
          {loadProblem ? (
            <Alert color="red" role="alert" title="The card form did not load">
              {loadProblem} Check your connection and reload the page.
            </Alert>
          ) : (
            <Input.Wrapper label="Card" labelElement="div" description="Number, expiry and security code, entered with Stripe" error={typingProblem ?? (refused && <span role="alert">{refused}</span>)} maw={480}>
              <Box ref={mountPoint} data-testid="stripe-card" p="sm" mt={4} bd="1px solid var(--mantine-color-default-border)" style={{ borderRadius: 'var(--mantine-radius-sm)' }} />
            </Input.Wrapper>
          )}
          {save.error && !refused && (
            <Alert color="red" role="alert" title="The card was not saved">
              {problemText(save.error)}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={save.isPending} disabled={!form}>
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
