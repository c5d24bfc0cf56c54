import { Contact, CustomerEvent } from '../../../domain/customer/customer';
import { inStream, specifyProjection } from '../../../testing/projection-specification';
import { CUSTOMERS, customersProjection } from '../projection';

const spec = specifyProjection(customersProjection);
const at = '2026-03-01T10:00:00.000Z';
const contact: Contact = { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+15550101', address: { line1: '1 Elm', city: 'Springfield', postalCode: '01101', country: 'US', location: { lat: 42.1, lon: -72.5 } } };
const registered: CustomerEvent = { type: 'CustomerRegistered', data: { customerId: 'c1', contact, notifyBy: 'email', registeredAt: at } };
const customer = {
  _id: 'c1',
  customerId: 'c1',
  name: 'Ada Lovelace',
  nameLower: 'ada lovelace',
  email: 'ada@example.com',
  phone: '+15550101',
  address: contact.address,
  notifyBy: 'email',
  plans: [],
  paymentMethod: null,
  paidUntil: null,
  registeredAt: at,
  revision: 0,
};
const washer = { planId: 'p1', product: 'washer', tier: 'basic', monthlyPriceCents: 1500 } as const;

describe('customers read model', () => {
  it('holds a registered customer, without plans, payment method or paid-until', () => spec.given().when(...inStream('customer-c1', [registered])).then({ [CUSTOMERS]: [customer] }));

  it('follows contact, preference, plans, payment method and paid-until, with the stream revision', () =>
    spec
      .given(...inStream('customer-c1', [registered]))
      .when(
        ...inStream<CustomerEvent>('customer-c1', [
          { type: 'CustomerContactUpdated', data: { customerId: 'c1', contact: { ...contact, name: 'Ada King', phone: '+15550102' } } },
          { type: 'NotificationPreferenceChanged', data: { customerId: 'c1', notifyBy: 'sms' } },
          { type: 'SupportPlanPurchased', data: { customerId: 'c1', plan: washer, purchasedAt: at } },
          { type: 'SupportPlanPurchased', data: { customerId: 'c1', plan: { ...washer, planId: 'p2', product: 'dryer' }, purchasedAt: at } },
          { type: 'SupportPlanCancelled', data: { customerId: 'c1', planId: 'p2', cancelledAt: '2026-03-05T00:00:00.000Z' } },
          { type: 'PaymentMethodSet', data: { customerId: 'c1', gatewayToken: 'tok_secret', last4: '4242', brand: 'visa', expiry: '2028-04' } },
          { type: 'PaidUntilAdvanced', data: { customerId: 'c1', paidUntil: '2026-05-01T00:00:00.000Z', invoiceId: 'c1:2026-04' } },
          // An older payment arriving late does not move it back.
          { type: 'PaidUntilAdvanced', data: { customerId: 'c1', paidUntil: '2026-04-01T00:00:00.000Z', invoiceId: 'c1:2026-03' } },
        ]),
      )
      .then({
        [CUSTOMERS]: [
          {
            ...customer,
            name: 'Ada King',
            nameLower: 'ada king',
            phone: '+15550102',
            notifyBy: 'sms',
            plans: [
              { ...washer, active: true, purchasedAt: at, cancelledAt: null },
              { ...washer, planId: 'p2', product: 'dryer', active: false, purchasedAt: at, cancelledAt: '2026-03-05T00:00:00.000Z' },
            ],
            // Never the gateway token.
            paymentMethod: { last4: '4242', brand: 'visa', expiry: '2028-04', expiresBeforeBilling: null },
            paidUntil: '2026-05-01T00:00:00.000Z',
            revision: 8,
          },
        ],
      }));

  it('reads a card set before brand and expiry were recorded as null', () =>
    spec
      .given(...inStream('customer-c1', [registered]))
      .when(...inStream<CustomerEvent>('customer-c1', [{ type: 'PaymentMethodSet', data: { customerId: 'c1', gatewayToken: 'tok', last4: '1881' } }]))
      .then({ [CUSTOMERS]: [{ ...customer, paymentMethod: { last4: '1881', brand: null, expiry: null, expiresBeforeBilling: null }, revision: 1 }] }));

  it('shows a card flagged as expiring before a billing day until a new card is set', () =>
    spec
      .given(...inStream('customer-c1', [registered]))
      .when(
        ...inStream<CustomerEvent>('customer-c1', [
          { type: 'PaymentMethodSet', data: { customerId: 'c1', gatewayToken: 'tok', last4: '4242', brand: 'visa', expiry: '2026-03' } },
          { type: 'PaymentMethodExpiring', data: { customerId: 'c1', last4: '4242', expiry: '2026-03', nextBillingOn: '2026-04-05', flaggedAt: at } },
        ]),
      )
      .then({ [CUSTOMERS]: [{ ...customer, paymentMethod: { last4: '4242', brand: 'visa', expiry: '2026-03', expiresBeforeBilling: '2026-04-05' }, revision: 2 }] }));

  it('ignores events of a customer it never saw registered', () =>
    spec
      .given()
      .when(...inStream<CustomerEvent>('customer-c2', [{ type: 'NotificationPreferenceChanged', data: { customerId: 'c2', notifyBy: 'sms' } }]))
      .then({ [CUSTOMERS]: [] }));
});
