/**
 * POST /payments/stripe/webhook: Stripe's report of a charge outcome that came after the charge
 * (a PaymentIntent that was processing). The raw body is verified with STRIPE_WEBHOOK_SECRET
 * before anything is read; the outcome is recorded on the invoice as the payments saga records
 * the answers it gets (the same grace: paid until the next billing day). Stripe retries until it
 * gets a 2xx, so the command id derives from Stripe's event id: a redelivery records nothing new.
 */
import express, { Router } from 'express';
import { send } from '../commands/aggregate';
import { aggregateStream } from '../commands/aggregate-stream';
import { streamName } from '../event-store/streams';
import { customers } from '../commands/customer';
import { deterministicUuid } from '../commands/handler';
import { invoices } from '../commands/invoice';
import { billingDayOf, graceDaysFor } from '../domain/billing/billing-run';
import { DomainError } from '../domain/decider';
import { StripeGateway, WebhookSignatureInvalid } from '../payments/stripe';
import { recordedOutcome } from '../sagas/charging';
import { HttpProblem } from './http/problem';
import { ApiServices } from './services';

export const STRIPE_WEBHOOK_PATH = '/payments/stripe/webhook';

export function stripeWebhook(services: ApiServices): Router {
  const router = Router();
  router.post(STRIPE_WEBHOOK_PATH, express.raw({ type: () => true, limit: '256kb' }), async (req, res, next) => {
    try {
      const gateway = services.paymentGateway;
      if (!(gateway instanceof StripeGateway)) throw new HttpProblem(404, 'Not found', `The payment gateway is ${gateway.name}, not Stripe.`);
      let notice;
      try {
        notice = gateway.chargeNotice(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), req.header('stripe-signature'));
      } catch (error) {
        if (error instanceof WebhookSignatureInvalid) throw new HttpProblem(400, 'Signature refused', error.message, { code: 'webhook-signature-invalid' });
        throw error;
      }
      if (!notice) {
        res.status(200).json({ recorded: false, reason: 'not a charge outcome of ours' });
        return;
      }
      const split = notice.invoiceId.lastIndexOf(':');
      const customerId = notice.invoiceId.slice(0, split);
      const period = notice.invoiceId.slice(split + 1);
      const now = services.clock();
      const metadata = { commandId: deterministicUuid(`stripe-webhook\u0000${notice.eventId}`), now, actor: { userId: 'gateway:stripe', role: 'system' as const }, causationId: `stripe:${notice.eventId}` };
      const customer = (await aggregateStream(services.events, streamName(customers.category, customerId), customers.decider)).state;
      const grace = customer.status === 'registered' && customer.billingSince ? graceDaysFor(billingDayOf(customer.billingSince)) : 0;
      const outcome = recordedOutcome(notice.outcome, grace);
      if (!outcome) {
        res.status(200).json({ recorded: false, reason: 'still processing' });
        return;
      }
      try {
        await send(services.commands, invoices, { type: 'recordChargeAttempt', data: { customerId, period, outcome }, metadata });
      } catch (error) {
        // Recorded already (the saga got the answer first, or this attempt is over): nothing to do, and Stripe must stop retrying.
        if (!(error instanceof DomainError)) throw error;
        res.status(200).json({ recorded: false, reason: error.message });
        return;
      }
      res.status(200).json({ recorded: true });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
