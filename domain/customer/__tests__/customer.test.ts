import fc from 'fast-check';
import { command, TEST_NOW } from '../../../testing/commands';
import { specifyDecider } from '../../../testing/decider-specification';
import { DomainError } from '../../decider';
import { Contact, CustomerCommand, customerDecider, CustomerEvent, isPaidAt, SupportPlan } from '../customer';

const contact: Contact = {
  name: 'Dana Reyes',
  email: 'dana@example.com',
  phone: '+1 555 0100',
  address: { line1: '12 Elm St', city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42.1, lon: -72.59 } },
};
const plan: SupportPlan = { planId: 'p1', product: 'washer', tier: 'standard', monthlyPriceCents: 1299 };
const at = TEST_NOW.toISOString();
const registeredEvent: CustomerEvent = { type: 'CustomerRegistered', data: { customerId: 'c1', contact, notifyBy: 'email', registeredAt: at } };
const purchased: CustomerEvent = { type: 'SupportPlanPurchased', data: { customerId: 'c1', plan, purchasedAt: at } };
const cmd = <T extends CustomerCommand['type']>(type: T, data: Extract<CustomerCommand, { type: T }>['data']) =>
  command<CustomerCommand>(type, data);

describe('Customer', () => {
  const spec = specifyDecider(customerDecider);

  describe('registerCustomer', () => {
    it('registers a new customer', () =>
      spec.given().when(cmd('registerCustomer', { customerId: 'c1', contact, notifyBy: 'email' })).then(registeredEvent));
    it('rejects a second registration', () =>
      spec.given(registeredEvent).when(cmd('registerCustomer', { customerId: 'c1', contact, notifyBy: 'sms' })).thenFails('customer-already-registered'));
    it('rejects an invalid e-mail', () =>
      spec.given().when(cmd('registerCustomer', { customerId: 'c1', contact: { ...contact, email: 'nope' }, notifyBy: 'sms' })).thenFails('invalid-contact'));
    it('rejects an address without valid coordinates', () =>
      spec
        .given()
        .when(cmd('registerCustomer', { customerId: 'c1', contact: { ...contact, address: { ...contact.address, location: { lat: 123, lon: 0 } } }, notifyBy: 'sms' }))
        .thenFails('invalid-contact'));
  });

  describe('updateCustomerContact', () => {
    const moved = { ...contact, phone: '+1 555 0199' };
    it('updates contact details', () =>
      spec.given(registeredEvent).when(cmd('updateCustomerContact', { customerId: 'c1', contact: moved })).then({ type: 'CustomerContactUpdated', data: { customerId: 'c1', contact: moved } }));
    it('rejects an unknown customer', () => spec.given().when(cmd('updateCustomerContact', { customerId: 'c1', contact: moved })).thenFails('customer-not-found'));
    it('rejects an invalid phone', () =>
      spec.given(registeredEvent).when(cmd('updateCustomerContact', { customerId: 'c1', contact: { ...contact, phone: 'call me' } })).thenFails('invalid-contact'));
  });

  describe('changeNotificationPreference', () => {
    it('switches to SMS', () =>
      spec.given(registeredEvent).when(cmd('changeNotificationPreference', { customerId: 'c1', notifyBy: 'sms' })).then({ type: 'NotificationPreferenceChanged', data: { customerId: 'c1', notifyBy: 'sms' } }));
    it('changes nothing when it is already the preference', () =>
      spec.given(registeredEvent).when(cmd('changeNotificationPreference', { customerId: 'c1', notifyBy: 'email' })).thenNothingHappens());
    it('rejects an unknown customer', () => spec.given().when(cmd('changeNotificationPreference', { customerId: 'c1', notifyBy: 'sms' })).thenFails('customer-not-found'));
  });

  describe('purchaseSupportPlan', () => {
    it('buys a plan for a product', () => spec.given(registeredEvent).when(cmd('purchaseSupportPlan', { customerId: 'c1', plan })).then(purchased));
    it('rejects a product already covered by an active plan', () =>
      spec.given(registeredEvent, purchased).when(cmd('purchaseSupportPlan', { customerId: 'c1', plan: { ...plan, planId: 'p2' } })).thenFails('product-already-covered'));
    it('rejects a plan id that exists', () =>
      spec.given(registeredEvent, purchased).when(cmd('purchaseSupportPlan', { customerId: 'c1', plan: { ...plan, product: 'dryer' } })).thenFails('plan-already-exists'));
    it('rejects a non-positive price', () =>
      spec.given(registeredEvent).when(cmd('purchaseSupportPlan', { customerId: 'c1', plan: { ...plan, monthlyPriceCents: 0 } })).thenFails('invalid-price'));
    it('allows a new plan for a product whose plan was cancelled', () =>
      spec
        .given(registeredEvent, purchased, { type: 'SupportPlanCancelled', data: { customerId: 'c1', planId: 'p1', cancelledAt: at } })
        .when(cmd('purchaseSupportPlan', { customerId: 'c1', plan: { ...plan, planId: 'p2' } }))
        .then({ type: 'SupportPlanPurchased', data: { customerId: 'c1', plan: { ...plan, planId: 'p2' }, purchasedAt: at } }));
  });

  describe('cancelSupportPlan', () => {
    it('cancels an active plan', () =>
      spec.given(registeredEvent, purchased).when(cmd('cancelSupportPlan', { customerId: 'c1', planId: 'p1' })).then({ type: 'SupportPlanCancelled', data: { customerId: 'c1', planId: 'p1', cancelledAt: at } }));
    it('rejects an unknown plan', () => spec.given(registeredEvent).when(cmd('cancelSupportPlan', { customerId: 'c1', planId: 'p9' })).thenFails('plan-not-found'));
    it('rejects a plan cancelled already', () =>
      spec
        .given(registeredEvent, purchased, { type: 'SupportPlanCancelled', data: { customerId: 'c1', planId: 'p1', cancelledAt: at } })
        .when(cmd('cancelSupportPlan', { customerId: 'c1', planId: 'p1' }))
        .thenFails('plan-already-cancelled'));
  });

  describe('setPaymentMethod', () => {
    const card = { customerId: 'c1', gatewayToken: 'tok_visa_abc', last4: '4242', brand: 'visa', expiry: '2028-09' } as const;
    it('stores the gateway token, the brand, the last four digits and the expiry month', () =>
      spec.given(registeredEvent).when(cmd('setPaymentMethod', card)).then({ type: 'PaymentMethodSet', data: card }));
    it('refuses what looks like a card number', () =>
      spec.given(registeredEvent).when(cmd('setPaymentMethod', { ...card, gatewayToken: '4242 4242 4242 4242' })).thenFails('raw-card-number'));
    it('refuses a card number however it is written, and takes a gateway id with many digits spread out', () => {
      for (const number of ['4242-4242-4242-4242', '4242.4242.4242.4242', 'tok_4242424242424242']) {
        spec.given(registeredEvent).when(cmd('setPaymentMethod', { ...card, gatewayToken: number })).thenFails('raw-card-number');
      }
      const stripeIds = 'cus_Q1a2B3c4D5e6F7g8/pm_1Pq2Rs3Tu4Vw5Xy6Za7Bc8De9';
      spec.given(registeredEvent).when(cmd('setPaymentMethod', { ...card, gatewayToken: stripeIds })).then({ type: 'PaymentMethodSet', data: { ...card, gatewayToken: stripeIds } });
    });
    it('refuses a malformed last4', () => spec.given(registeredEvent).when(cmd('setPaymentMethod', { ...card, last4: '42' })).thenFails('invalid-last4'));
    it('refuses a brand it does not know and a malformed expiry', () => {
      spec.given(registeredEvent).when(cmd('setPaymentMethod', { ...card, brand: 'diners' as never })).thenFails('invalid-card-brand');
      spec.given(registeredEvent).when(cmd('setPaymentMethod', { ...card, expiry: '2028-13' })).thenFails('invalid-expiry');
    });
    it('takes a card through its expiry month, refuses one expired before', () => {
      const month = at.slice(0, 7);
      spec.given(registeredEvent).when(cmd('setPaymentMethod', { ...card, expiry: month })).then({ type: 'PaymentMethodSet', data: { ...card, expiry: month } });
      const before = new Date(Date.UTC(TEST_NOW.getUTCFullYear(), TEST_NOW.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
      spec.given(registeredEvent).when(cmd('setPaymentMethod', { ...card, expiry: before })).thenFails('card-expired');
    });
    it('reads a card set before brand and expiry were recorded as unknown ones', () => {
      const old: CustomerEvent = { type: 'PaymentMethodSet', data: { customerId: 'c1', gatewayToken: 'tok_old', last4: '1111' } };
      const state = [registeredEvent, old].reduce(customerDecider.evolve, customerDecider.initialState());
      expect(state).toMatchObject({ paymentMethod: { gatewayToken: 'tok_old', last4: '1111', brand: null, expiry: null } });
    });
  });

  describe('flagExpiringCard', () => {
    const cardSet: CustomerEvent = { type: 'PaymentMethodSet', data: { customerId: 'c1', gatewayToken: 'tok_visa_abc', last4: '4242', brand: 'visa', expiry: '2028-09' } };
    const flagged: CustomerEvent = { type: 'PaymentMethodExpiring', data: { customerId: 'c1', last4: '4242', expiry: '2028-09', nextBillingOn: '2028-10-05', flaggedAt: at } };
    it('flags a card that will have expired by the next billing day', () =>
      spec.given(registeredEvent, cardSet).when(cmd('flagExpiringCard', { customerId: 'c1', nextBillingOn: '2028-10-05' })).then(flagged));
    it('leaves a card valid on that day, through the last day of its expiry month', () =>
      spec.given(registeredEvent, cardSet).when(cmd('flagExpiringCard', { customerId: 'c1', nextBillingOn: '2028-09-30' })).thenNothingHappens());
    it('flags a card once; a new card can be flagged again', () => {
      spec.given(registeredEvent, cardSet, flagged).when(cmd('flagExpiringCard', { customerId: 'c1', nextBillingOn: '2028-11-05' })).thenNothingHappens();
      const renewed: CustomerEvent = { type: 'PaymentMethodSet', data: { customerId: 'c1', gatewayToken: 'tok_visa_new', last4: '1881', brand: 'visa', expiry: '2028-10' } };
      spec
        .given(registeredEvent, cardSet, flagged, renewed)
        .when(cmd('flagExpiringCard', { customerId: 'c1', nextBillingOn: '2028-11-05' }))
        .then({ type: 'PaymentMethodExpiring', data: { customerId: 'c1', last4: '1881', expiry: '2028-10', nextBillingOn: '2028-11-05', flaggedAt: at } });
    });
    it('has nothing to flag without a card, and refuses a malformed day', () => {
      spec.given(registeredEvent).when(cmd('flagExpiringCard', { customerId: 'c1', nextBillingOn: '2028-10-05' })).thenNothingHappens();
      spec.given(registeredEvent, cardSet).when(cmd('flagExpiringCard', { customerId: 'c1', nextBillingOn: '2028-10' })).thenFails('invalid-date');
    });
  });

  describe('advancePaidUntil', () => {
    const paid: CustomerEvent = { type: 'PaidUntilAdvanced', data: { customerId: 'c1', paidUntil: '2026-04-01T00:00:00.000Z', invoiceId: 'i1' } };
    it('moves the paid-until date forward', () =>
      spec.given(registeredEvent).when(cmd('advancePaidUntil', { customerId: 'c1', paidUntil: '2026-04-01T00:00:00.000Z', invoiceId: 'i1' })).then(paid));
    it('ignores an invoice already counted', () =>
      spec.given(registeredEvent, paid).when(cmd('advancePaidUntil', { customerId: 'c1', paidUntil: '2026-05-01T00:00:00.000Z', invoiceId: 'i1' })).thenNothingHappens());
    it('never moves the date backwards', () =>
      spec.given(registeredEvent, paid).when(cmd('advancePaidUntil', { customerId: 'c1', paidUntil: '2026-03-15T00:00:00.000Z', invoiceId: 'i2' })).thenNothingHappens());
    it('rejects an unknown customer', () =>
      spec.given().when(cmd('advancePaidUntil', { customerId: 'c1', paidUntil: '2026-04-01T00:00:00.000Z', invoiceId: 'i1' })).thenFails('customer-not-found'));
  });

  it('isPaidAt: unknown before billing reports, then by date', () => {
    const state0 = [registeredEvent].reduce(customerDecider.evolve, customerDecider.initialState());
    expect(isPaidAt(state0, TEST_NOW)).toBeNull();
    const state1 = customerDecider.evolve(state0, { type: 'PaidUntilAdvanced', data: { customerId: 'c1', paidUntil: '2026-04-01T00:00:00.000Z', invoiceId: 'i1' } });
    expect(isPaidAt(state1, TEST_NOW)).toBe(true);
    expect(isPaidAt(state1, new Date('2026-04-02T00:00:00.000Z'))).toBe(false);
  });

  describe('properties', () => {
    const arbCommand = fc.oneof(
      fc.constant(cmd('registerCustomer', { customerId: 'c1', contact, notifyBy: 'email' })),
      fc.constantFrom('sms', 'email').map((n) => cmd('changeNotificationPreference', { customerId: 'c1', notifyBy: n as 'sms' | 'email' })),
      fc.record({ id: fc.constantFrom('p1', 'p2', 'p3'), product: fc.constantFrom('washer', 'dryer') }).map(({ id, product }) =>
        cmd('purchaseSupportPlan', { customerId: 'c1', plan: { ...plan, planId: id, product } }),
      ),
      fc.constantFrom('p1', 'p2', 'p3').map((id) => cmd('cancelSupportPlan', { customerId: 'c1', planId: id })),
      fc.record({ day: fc.integer({ min: 1, max: 28 }), invoice: fc.constantFrom('i1', 'i2', 'i3') }).map(({ day, invoice }) =>
        cmd('advancePaidUntil', { customerId: 'c1', paidUntil: `2026-05-${String(day).padStart(2, '0')}T00:00:00.000Z`, invoiceId: invoice }),
      ),
    );

    function run(commands: CustomerCommand[]) {
      let state = customerDecider.initialState();
      const history: CustomerEvent[] = [];
      for (const c of commands) {
        try {
          const events = customerDecider.decide(c, state);
          history.push(...events);
          state = events.reduce(customerDecider.evolve, state);
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
        }
      }
      return { state, history };
    }

    it('no command sequence covers one product with two active plans, or moves paid-until backwards', () =>
      fc.assert(
        fc.property(fc.array(arbCommand, { maxLength: 25 }), (commands) => {
          const { state, history } = run(commands);
          if (state.status !== 'registered') return;
          const active = Object.values(state.plans).filter((p) => p.active).map((p) => p.product);
          expect(new Set(active).size).toBe(active.length);
          const dates = history.filter((e) => e.type === 'PaidUntilAdvanced').map((e) => Date.parse(e.data.paidUntil));
          expect([...dates].sort((a, b) => a - b)).toEqual(dates);
          expect(new Set(state.paidInvoices).size).toBe(state.paidInvoices.length);
        }),
      ));

    it('folding the same history twice gives the same state', () =>
      fc.assert(
        fc.property(fc.array(arbCommand, { maxLength: 25 }), (commands) => {
          const { history } = run(commands);
          const fold = () => history.reduce(customerDecider.evolve, customerDecider.initialState());
          expect(fold()).toEqual(fold());
          expect(fold()).toEqual(run(commands).state);
        }),
      ));
  });
});
