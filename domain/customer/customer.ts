/**
 * Customer: contact details, notification preference, support plans per product, the payment
 * method (a gateway token with the card's brand, last four digits and expiry month, never a card
 * number) and the date the subscription is paid until (moved by billing).
 */
import { Command, Decider, DomainError, DomainEvent } from '../decider';
import { GeoPoint, isGeoPoint } from '../shared/geo';
import { isInstant, ms } from '../shared/time';

export type NotificationChannel = 'sms' | 'email';
export type PlanTier = 'basic' | 'standard' | 'premium';

export interface Address {
  line1: string;
  city: string;
  postalCode: string;
  country: string;
  location: GeoPoint;
}

export interface Contact {
  name: string;
  email: string;
  phone: string;
  address: Address;
}

/** Card brands the payment method names (what the payment gateway reports with its token). */
export const CARD_BRANDS = ['visa', 'mastercard', 'amex', 'discover', 'other'] as const;
export type CardBrand = (typeof CARD_BRANDS)[number];

/** The card on file, as the gateway described it: never its number. */
export interface PaymentCard {
  gatewayToken: string;
  last4: string;
  brand: CardBrand;
  /** The card's last valid month, 'YYYY-MM'. */
  expiry: string;
}

export interface SupportPlan {
  planId: string;
  /** The product covered, e.g. an appliance category or a catalog model id. */
  product: string;
  tier: PlanTier;
  /** Monthly price in cents. */
  monthlyPriceCents: number;
}

// ---- events -------------------------------------------------------------------------------

export type CustomerEvent =
  | DomainEvent<'CustomerRegistered', { customerId: string; contact: Contact; notifyBy: NotificationChannel; registeredAt: string }>
  | DomainEvent<'CustomerContactUpdated', { customerId: string; contact: Contact }>
  | DomainEvent<'NotificationPreferenceChanged', { customerId: string; notifyBy: NotificationChannel }>
  | DomainEvent<'SupportPlanPurchased', { customerId: string; plan: SupportPlan; purchasedAt: string }>
  | DomainEvent<'SupportPlanCancelled', { customerId: string; planId: string; cancelledAt: string }>
  // brand and expiry are absent from events written before they were recorded.
  | DomainEvent<'PaymentMethodSet', { customerId: string; gatewayToken: string; last4: string; brand?: CardBrand; expiry?: string }>
  | DomainEvent<'PaidUntilAdvanced', { customerId: string; paidUntil: string; invoiceId: string }>
  /** The card on file expires before the next billing day: the customer is asked to update it. */
  | DomainEvent<'PaymentMethodExpiring', { customerId: string; last4: string; expiry: string; nextBillingOn: string; flaggedAt: string }>;

// ---- commands -----------------------------------------------------------------------------

export type CustomerCommand =
  | Command<'registerCustomer', { customerId: string; contact: Contact; notifyBy: NotificationChannel }>
  | Command<'updateCustomerContact', { customerId: string; contact: Contact }>
  | Command<'changeNotificationPreference', { customerId: string; notifyBy: NotificationChannel }>
  | Command<'purchaseSupportPlan', { customerId: string; plan: SupportPlan }>
  | Command<'cancelSupportPlan', { customerId: string; planId: string }>
  | Command<'setPaymentMethod', { customerId: string } & PaymentCard>
  | Command<'advancePaidUntil', { customerId: string; paidUntil: string; invoiceId: string }>
  /** Sent by the billing run on a billing day; `nextBillingOn` is the next billing day, 'YYYY-MM-DD'. */
  | Command<'flagExpiringCard', { customerId: string; nextBillingOn: string }>;

// ---- state --------------------------------------------------------------------------------

export type CustomerState =
  | { status: 'unknown' }
  | {
      status: 'registered';
      customerId: string;
      contact: Contact;
      notifyBy: NotificationChannel;
      plans: Record<string, SupportPlan & { active: boolean; purchasedAt: string; cancelledAt: string | null }>;
      /** The first plan purchase: billing runs from then, on that day of each month (billing-run.ts); null before. */
      billingSince: string | null;
      /** `expiringFlagged`: this card was flagged as expiring before a billing day (once per card). */
      paymentMethod: { gatewayToken: string; last4: string; brand: CardBrand | null; expiry: string | null; expiringFlagged: boolean } | null;
      paidUntil: string | null;
      /** Invoices that already moved paidUntil: a repeated payment event moves nothing. */
      paidInvoices: string[];
    };

type Registered = Extract<CustomerState, { status: 'registered' }>;

// ---- decider ------------------------------------------------------------------------------

export const customerDecider: Decider<CustomerState, CustomerCommand, CustomerEvent> = {
  initialState: () => ({ status: 'unknown' }),

  evolve(state, event) {
    if (event.type === 'CustomerRegistered') {
      const { customerId, contact, notifyBy } = event.data;
      return { status: 'registered', customerId, contact, notifyBy, plans: {}, billingSince: null, paymentMethod: null, paidUntil: null, paidInvoices: [] };
    }
    if (state.status !== 'registered') return state;
    switch (event.type) {
      case 'CustomerContactUpdated':
        return { ...state, contact: event.data.contact };
      case 'NotificationPreferenceChanged':
        return { ...state, notifyBy: event.data.notifyBy };
      case 'SupportPlanPurchased': {
        const plans = { ...state.plans, [event.data.plan.planId]: { ...event.data.plan, active: true, purchasedAt: event.data.purchasedAt, cancelledAt: null } };
        return { ...state, plans, billingSince: state.billingSince ?? event.data.purchasedAt };
      }
      case 'SupportPlanCancelled': {
        const plan = state.plans[event.data.planId];
        return plan ? { ...state, plans: { ...state.plans, [event.data.planId]: { ...plan, active: false, cancelledAt: event.data.cancelledAt } } } : state;
      }
      case 'PaymentMethodSet':
        return { ...state, paymentMethod: { gatewayToken: event.data.gatewayToken, last4: event.data.last4, brand: event.data.brand ?? null, expiry: event.data.expiry ?? null, expiringFlagged: false } };
      case 'PaymentMethodExpiring':
        return state.paymentMethod ? { ...state, paymentMethod: { ...state.paymentMethod, expiringFlagged: true } } : state;
      case 'PaidUntilAdvanced':
        return { ...state, paidUntil: event.data.paidUntil, paidInvoices: [...state.paidInvoices, event.data.invoiceId] };
    }
  },

  decide(command, state) {
    const now = command.metadata.now.toISOString();
    if (command.type === 'registerCustomer') {
      if (state.status === 'registered') throw new DomainError('customer-already-registered', `customer ${command.data.customerId} is already registered`);
      assertContact(command.data.contact);
      return [{ type: 'CustomerRegistered', data: { ...command.data, registeredAt: now } }];
    }
    const customer = registered(state, command.data.customerId);
    switch (command.type) {
      case 'updateCustomerContact':
        assertContact(command.data.contact);
        return [{ type: 'CustomerContactUpdated', data: command.data }];
      case 'changeNotificationPreference':
        if (customer.notifyBy === command.data.notifyBy) return [];
        return [{ type: 'NotificationPreferenceChanged', data: command.data }];
      case 'purchaseSupportPlan': {
        const { plan } = command.data;
        if (customer.plans[plan.planId]) throw new DomainError('plan-already-exists', `plan ${plan.planId} already exists`);
        const covered = Object.values(customer.plans).find((p) => p.active && p.product === plan.product);
        if (covered) throw new DomainError('product-already-covered', `${plan.product} is already covered by plan ${covered.planId}`);
        if (!Number.isInteger(plan.monthlyPriceCents) || plan.monthlyPriceCents <= 0) {
          throw new DomainError('invalid-price', 'a plan costs a positive whole number of cents per month');
        }
        return [{ type: 'SupportPlanPurchased', data: { customerId: customer.customerId, plan, purchasedAt: now } }];
      }
      case 'cancelSupportPlan': {
        const plan = customer.plans[command.data.planId];
        if (!plan) throw new DomainError('plan-not-found', `no plan ${command.data.planId}`);
        if (!plan.active) throw new DomainError('plan-already-cancelled', `plan ${command.data.planId} is already cancelled`);
        return [{ type: 'SupportPlanCancelled', data: { ...command.data, cancelledAt: now } }];
      }
      case 'setPaymentMethod': {
        const { customerId, gatewayToken, last4, brand, expiry } = command.data;
        if (!/^\d{4}$/.test(last4)) throw new DomainError('invalid-last4', 'last4 must be the last four digits of the card');
        if (/\d{12,}/.test(gatewayToken.replace(/[\s.-]/g, ''))) {
          // A long run of digits (spaces and dashes aside) looks like a card number: we never store
          // those. Counting every digit refused real gateway tokens, whose random ids hold many.
          throw new DomainError('raw-card-number', 'give the payment gateway token, never the card number');
        }
        if (!(CARD_BRANDS as readonly string[]).includes(brand)) throw new DomainError('invalid-card-brand', `the card brand is one of ${CARD_BRANDS.join(', ')}`);
        if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(expiry)) throw new DomainError('invalid-expiry', "the expiry is the card's last valid month, YYYY-MM");
        // A card is valid through the last day of its expiry month.
        if (expiresBefore(expiry, now.slice(0, 10))) throw new DomainError('card-expired', `this card expired at the end of ${expiry}`);
        return [{ type: 'PaymentMethodSet', data: { customerId, gatewayToken, last4, brand, expiry } }];
      }
      case 'advancePaidUntil': {
        if (customer.paidInvoices.includes(command.data.invoiceId)) return [];
        if (!isInstant(command.data.paidUntil)) throw new DomainError('invalid-date', 'paidUntil must be an ISO date');
        if (customer.paidUntil && ms(command.data.paidUntil) <= ms(customer.paidUntil)) return [];
        return [{ type: 'PaidUntilAdvanced', data: command.data }];
      }
      case 'flagExpiringCard': {
        const { nextBillingOn } = command.data;
        if (!/^\d{4}-\d{2}-\d{2}$/.test(nextBillingOn)) throw new DomainError('invalid-date', 'nextBillingOn is a day, YYYY-MM-DD');
        const card = customer.paymentMethod;
        // Nothing to flag: no card (charging says so), a card without expiry, one valid on that day, or one flagged already.
        if (!card || card.expiry === null || !expiresBefore(card.expiry, nextBillingOn) || card.expiringFlagged) return [];
        return [{ type: 'PaymentMethodExpiring', data: { customerId: customer.customerId, last4: card.last4, expiry: card.expiry, nextBillingOn, flaggedAt: now } }];
      }
    }
  },
};

/** Whether a card valid through the end of `expiry` ('YYYY-MM') no longer is on `day` ('YYYY-MM-DD'). */
export function expiresBefore(expiry: string, day: string): boolean {
  return expiry < day.slice(0, 7);
}

function registered(state: CustomerState, customerId: string): Registered {
  if (state.status !== 'registered') throw new DomainError('customer-not-found', `no customer ${customerId}`);
  return state;
}

function assertContact(contact: Contact): void {
  if (!contact.name.trim()) throw new DomainError('invalid-contact', 'a customer needs a name');
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(contact.email)) throw new DomainError('invalid-contact', 'the e-mail address is not valid');
  if (!/^\+?[0-9 ()-]{6,20}$/.test(contact.phone)) throw new DomainError('invalid-contact', 'the phone number is not valid');
  if (!isGeoPoint(contact.address.location)) throw new DomainError('invalid-contact', 'the address needs coordinates');
}

/** Is the subscription paid at `at`? Unknown (null) when billing never reported. */
export function isPaidAt(state: CustomerState, at: Date): boolean | null {
  if (state.status !== 'registered' || state.paidUntil === null) return null;
  return ms(state.paidUntil) >= at.getTime();
}
