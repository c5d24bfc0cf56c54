import { Logger } from 'pino';
import { send } from '../commands/aggregate';
import { CommandHandler, CommandResult } from '../commands/handler';
import { tickets } from '../commands/ticket';
import { CommandMetadata } from '../domain/decider';
import { OpenTicketData, PaymentStatus, TicketCommand, TicketState } from '../domain/ticket/ticket';
import { LookupOutcome, lookupPaymentStatus, PaymentStatusLookup } from './payment-status';

/** How long ticket creation waits for the paid-customers cache before treating the status as unknown. */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 500;

export interface OpenTicketDeps {
  commands: CommandHandler;
  payments: PaymentStatusLookup;
  lookupTimeoutMs?: number;
  logger?: Logger;
}

export interface OpenTicketRequest {
  data: Omit<OpenTicketData, 'paymentStatus'>;
  metadata: CommandMetadata;
}

export interface OpenTicketOutcome {
  paymentStatus: PaymentStatus;
  lookup: LookupOutcome;
  result: CommandResult<TicketState>;
}

/**
 * Opens a ticket with the payment status from the paid-customers cache. The payment side being
 * down never blocks ticket creation: a lookup that fails or takes too long gives `unknown`, and
 * the Ticket then opens on hold, flagged for helpdesk (`payment-status-unknown`). A known unpaid
 * customer is refused by the Ticket (`customer-not-paid`) unless helpdesk overrides.
 */
export async function openTicket(deps: OpenTicketDeps, request: OpenTicketRequest): Promise<OpenTicketOutcome> {
  const { data, metadata } = request;
  const looked = await lookupPaymentStatus(deps.payments, data.customerId, metadata.now, deps.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS);
  if (looked.outcome !== 'answered') {
    deps.logger?.warn({ customerId: data.customerId, lookup: looked.outcome, err: looked.error }, 'payment status unavailable; opening the ticket for helpdesk');
  }
  const command: TicketCommand = { type: 'openTicket', data: { ...data, paymentStatus: looked.status }, metadata };
  const result = await send(deps.commands, tickets, command);
  return { paymentStatus: looked.status, lookup: looked.outcome, result };
}
