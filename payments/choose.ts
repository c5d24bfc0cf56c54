import { DocumentStore } from '../document-store/port';
import { PaymentGateway } from './gateway';
import { SandboxGateway } from './sandbox';
import { StripeGateway, stripeClient } from './stripe';

export interface PaymentSettings {
  STRIPE_SECRET_KEY?: string | undefined;
  STRIPE_WEBHOOK_SECRET?: string | undefined;
  STRIPE_API_URL?: string | undefined;
  STRIPE_PUBLISHABLE_KEY?: string | undefined;
}

/** Stripe when its secret key is set; otherwise the embedded sandbox (announced at start-up). */
export function paymentGatewayFor(settings: PaymentSettings, documents: DocumentStore, clock: () => Date): PaymentGateway {
  if (!settings.STRIPE_SECRET_KEY) return new SandboxGateway(documents, clock);
  const client = stripeClient({ secretKey: settings.STRIPE_SECRET_KEY, ...(settings.STRIPE_API_URL ? { apiUrl: settings.STRIPE_API_URL } : {}) });
  // The configuration requires the publishable key with the secret one; without it cards cannot be entered.
  const cardSetup = settings.STRIPE_PUBLISHABLE_KEY ? { publishableKey: settings.STRIPE_PUBLISHABLE_KEY, documents } : undefined;
  return new StripeGateway(client, settings.STRIPE_WEBHOOK_SECRET, cardSetup);
}
