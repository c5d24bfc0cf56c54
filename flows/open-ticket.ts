/**
 * Opening a ticket, the use case behind POST /tickets: `openTicketForCustomer` takes the ticket
 * as asked (visits in order, dependencies by position) and names, locates and resolves it;
 * `openTicket` looks up the payment status and sends the Ticket its command.
 */
import { Logger } from 'pino';
import { send } from '../commands/aggregate';
import { customers } from '../commands/customer';
import { CommandHandler, CommandResult, deterministicUuid } from '../commands/handler';
import { tickets } from '../commands/ticket';
import { CommandMetadata, NotFound } from '../domain/decider';
import { VisitSpec } from '../domain/shared/visit-plan';
import { OpenTicketData, PaymentStatus, Priority, TicketCommand, TicketState, TicketStatus } from '../domain/ticket/ticket';
import { Position } from '../event-store/port';
import { modelForTicket, TicketModel } from '../read-models/appliance-model';
import { requestContext } from './context';
import { LookupOutcome, lookupPaymentStatus, PaymentStatusLookup } from '../read-models/payment-status';
import { ReadModelSource } from '../read-models/read-models';

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

/** A ticket as a caller asks for it: the visits in order, their dependencies by position. */
export interface TicketRequest {
  customerId: string;
  /** Exactly one of a catalog model and the caller's own words for the appliance. */
  applianceModelId?: string | undefined;
  applianceModelText?: string | undefined;
  problem: string;
  priority: Priority;
  visits: readonly Omit<VisitSpec, 'visitId'>[];
  /** `before` and `after` are indexes into `visits`. */
  dependencies: readonly { before: number; after: number; minGapMinutes: number; maxGapMinutes: number | null }[];
  overridePayment?: boolean | undefined;
}

export interface OpenedTicket {
  ticketId: string;
  /** The visits' ids, in the order asked. */
  visitIds: string[];
  status: TicketStatus;
  paymentStatus: PaymentStatus;
  /** The catalog model recorded (a retired model's successor), when a model was named. */
  model: TicketModel | null;
  revision: number | 'no_stream';
  position: Position;
}

export interface OpenTicketForCustomerDeps extends OpenTicketDeps {
  readModels: ReadModelSource;
}

/**
 * Opens the ticket asked for a registered customer (NotFound for anyone else): every visit
 * happens at the customer's address, a named catalog model is resolved (a retired one to its
 * successor, else refused), and the ticket and its visits are named after the command id, so a
 * retried request names the same ticket and opens nothing new.
 */
export async function openTicketForCustomer(deps: OpenTicketForCustomerDeps, request: TicketRequest, metadata: CommandMetadata): Promise<OpenedTicket> {
  const { customerId } = request;
  const ctx = requestContext(deps, { commandId: metadata.commandId, actor: metadata.actor, now: metadata.now, ...(metadata.correlationId ? { correlationId: metadata.correlationId } : {}) });
  const customer = await ctx.load(customers, customerId);
  if (customer.status !== 'registered') throw new NotFound(`No customer ${customerId}.`);
  const model = request.applianceModelId !== undefined ? await modelForTicket(deps.readModels, request.applianceModelId) : null;
  const ticketId = deterministicUuid(`ticket\u0000${metadata.commandId}`);
  const visitIds = request.visits.map((_, i) => `${ticketId}.${i + 1}`);
  const outcome = await openTicket(deps, {
    data: {
      ticketId,
      customerId,
      ...(model ? { applianceModelId: model.modelId } : {}),
      ...(request.applianceModelText ? { applianceModelText: request.applianceModelText } : {}),
      problem: request.problem,
      priority: request.priority,
      location: customer.contact.address.location,
      visits: request.visits.map((v, i) => ({ visitId: visitIds[i]!, ...v })),
      dependencies: request.dependencies.map((d) => ({ before: visitIds[d.before]!, after: visitIds[d.after]!, minGapMinutes: d.minGapMinutes, maxGapMinutes: d.maxGapMinutes })),
      ...(request.overridePayment ? { overridePayment: true } : {}),
    },
    metadata,
  });
  const { state, revision, position } = outcome.result;
  return {
    ticketId,
    visitIds,
    // An accepted openTicket always leaves a ticket; 'none' cannot follow it.
    status: state.status === 'none' ? 'on-hold' : state.status,
    paymentStatus: outcome.paymentStatus,
    model,
    revision,
    position,
  };
}
