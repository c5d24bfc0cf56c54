/**
 * The API's enums of domain values, each checked against its domain type by `domainEnum`: shared
 * by the ticket, visit, customer and catalog routes.
 */
import { z } from 'zod';
import { Role } from '../../domain/decider';
import { FlagReason, PaymentStatus, Priority, TicketStatus, VisitOutcome } from '../../domain/ticket/ticket';
import { VisitStatus } from '../../domain/visit/visit';

/**
 * A zod enum of every value of a domain union type: the compiler refuses a value the type does
 * not have and names any the list leaves out, so the documented enum follows the domain.
 */
export function domainEnum<T extends string>() {
  return <const V extends readonly [T, ...T[]]>(values: V & ([Exclude<T, V[number]>] extends [never] ? unknown : { missing: Exclude<T, V[number]> })) => z.enum(values as V);
}

export const RoleEnum = domainEnum<Role>()(['customer', 'expert', 'helpdesk', 'admin', 'manager', 'system']);
export const PriorityEnum = domainEnum<Priority>()(['low', 'normal', 'high', 'urgent']);
export const TicketStatusEnum = domainEnum<TicketStatus>()(['on-hold', 'open', 'completed', 'cancelled']).describe(
  'on-hold: opened, payment not confirmed (waits for helpdesk); open: its visits are being matched and done; completed; cancelled',
);
export const PaymentStatusEnum = domainEnum<PaymentStatus>()(['paid', 'unpaid', 'unknown']).describe('Whether the customer had paid for support when the ticket was opened');
export const FlagReasonEnum = domainEnum<FlagReason>()(['payment-status-unknown', 'customer-unpaid', 'no-match-in-time', 'no-access', 'replacement-needed', 'other']);
export const VisitStatusEnum = domainEnum<VisitStatus>()(['open', 'finalized', 'en-route', 'arrived', 'started', 'completed', 'cant-arrive', 'cant-enter', 'closed-incomplete', 'cancelled']).describe(
  'open: experts propose starts; finalized: scheduled (start, end, experts set); en-route, arrived, started: the visit under way; cant-arrive, cant-enter: waiting for helpdesk; completed, closed-incomplete, cancelled: closed',
);
export const VisitOutcomeEnum = domainEnum<VisitOutcome>()(['completed', 'closed-incomplete', 'cancelled']);
