import { Document } from '../../document-store/port';
import { Address, CardBrand, CustomerEvent, NotificationChannel, PlanTier } from '../../domain/customer/customer';
import { Projection } from '../projection';

/**
 * The `customers` read model: one document per customer with the profile, the notification
 * preference, the support plans (active and cancelled), the payment method as shown to people
 * (brand, last four digits and expiry month, never the gateway token; brand and expiry are null
 * for a card set before they were recorded) and the paid-until date. `revision` is the
 * customer stream's revision, served as the ETag.
 */
export interface CustomerPlanView {
  planId: string;
  product: string;
  tier: PlanTier;
  monthlyPriceCents: number;
  active: boolean;
  purchasedAt: string;
  cancelledAt: string | null;
}

export interface CustomerDoc extends Document {
  customerId: string;
  name: string;
  /** Lower-case name, for case-insensitive search. */
  nameLower: string;
  email: string;
  phone: string;
  address: Address;
  notifyBy: NotificationChannel;
  plans: CustomerPlanView[];
  /** Documents written before brand and expiry were recorded hold `{ last4 }` only: read them as null. */
  /** `expiresBeforeBilling`: flagged by the billing run, the billing day ('YYYY-MM-DD') the card no longer covers; cleared by a new card. */
  paymentMethod: { last4: string; brand?: CardBrand | null; expiry?: string | null; expiresBeforeBilling?: string | null } | null;
  paidUntil: string | null;
  registeredAt: string;
  revision: number;
}

export const CUSTOMERS = 'customers';

export const customersProjection: Projection = {
  name: 'customers',
  // v2: a card flagged as expiring before the next billing day.
  version: 2,
  eventTypes: [
    'CustomerRegistered',
    'CustomerContactUpdated',
    'NotificationPreferenceChanged',
    'SupportPlanPurchased',
    'SupportPlanCancelled',
    'PaymentMethodSet',
    'PaidUntilAdvanced',
    'PaymentMethodExpiring',
  ],
  collections: {
    [CUSTOMERS]: [
      { keys: { email: 1 }, name: 'by_email' },
      { keys: { nameLower: 1 }, name: 'by_name' },
    ],
  },
  async handle(event, { collection }) {
    const customers = collection<CustomerDoc>(CUSTOMERS);
    const e = event as unknown as CustomerEvent;
    const id = e.data.customerId;
    if (e.type === 'CustomerRegistered') {
      const { contact } = e.data;
      await customers.replaceOne(
        { _id: id },
        {
          _id: id,
          customerId: id,
          name: contact.name,
          nameLower: contact.name.toLowerCase(),
          email: contact.email,
          phone: contact.phone,
          address: contact.address,
          notifyBy: e.data.notifyBy,
          plans: [],
          paymentMethod: null,
          paidUntil: null,
          registeredAt: e.data.registeredAt,
          revision: event.revision,
        },
        { upsert: true },
      );
      return;
    }
    const current = await customers.findOne({ _id: id });
    if (!current) return;
    let next: CustomerDoc = { ...current, revision: event.revision };
    switch (e.type) {
      case 'CustomerContactUpdated': {
        const { contact } = e.data;
        next = { ...next, name: contact.name, nameLower: contact.name.toLowerCase(), email: contact.email, phone: contact.phone, address: contact.address };
        break;
      }
      case 'NotificationPreferenceChanged':
        next = { ...next, notifyBy: e.data.notifyBy };
        break;
      case 'SupportPlanPurchased': {
        const { plan, purchasedAt } = e.data;
        const view: CustomerPlanView = { ...plan, active: true, purchasedAt, cancelledAt: null };
        next = { ...next, plans: [...current.plans.filter((p) => p.planId !== plan.planId), view] };
        break;
      }
      case 'SupportPlanCancelled':
        next = { ...next, plans: current.plans.map((p) => (p.planId === e.data.planId ? { ...p, active: false, cancelledAt: e.data.cancelledAt } : p)) };
        break;
      case 'PaymentMethodSet':
        next = { ...next, paymentMethod: { last4: e.data.last4, brand: e.data.brand ?? null, expiry: e.data.expiry ?? null, expiresBeforeBilling: null } };
        break;
      case 'PaymentMethodExpiring':
        if (current.paymentMethod) next = { ...next, paymentMethod: { ...current.paymentMethod, expiresBeforeBilling: e.data.nextBillingOn } };
        break;
      case 'PaidUntilAdvanced':
        if (current.paidUntil === null || Date.parse(e.data.paidUntil) > Date.parse(current.paidUntil)) next = { ...next, paidUntil: e.data.paidUntil };
        break;
    }
    await customers.replaceOne({ _id: id }, next);
  },
};
