/**
 * The notification outbox contract the sagas write to. A message is enqueued once per
 * (causing event, recipient, template): enqueueing it again — a replayed or re-delivered
 * event — changes nothing. Delivery (channels, retries, parking) happens elsewhere.
 */
export type Channel = 'sms' | 'email';

export type TemplateName =
  | 'visit-scheduled'
  | 'expert-assigned'
  | 'proposal-not-chosen'
  | 'new-visit-available'
  | 'expert-on-the-way'
  | 'visit-rescheduled'
  | 'expert-replaced'
  | 'visit-cancelled'
  | 'ticket-cancelled'
  | 'ticket-completed-survey'
  | 'payment-failed'
  | 'refund-issued'
  | 'card-expiring'
  | 'payment-unknown-ticket-held'
  | 'helpdesk-flag'
  | 'helpdesk-escalation'
  | 'helpdesk-flag-reminder'
  | 'helpdesk-message-parked';

export interface MessageRequest {
  /** Id of the event (or deadline) that causes the message: the deduplication key with recipient and template. */
  causedBy: string;
  channel: Channel;
  /** Phone number (E.164) for SMS, e-mail address for e-mail. */
  to: string;
  template: TemplateName;
  /** Values the template needs (names, times, links…). */
  params: Record<string, string | number | null>;
  ticketId?: string;
  visitId?: string;
  recipient?: { kind: 'customer' | 'expert' | 'helpdesk'; id: string };
}

export interface Outbox {
  /** Returns false when this message was already enqueued. */
  enqueue(message: MessageRequest): Promise<boolean>;
  /** Several at once, in one write where the store allows; answers how many were new. */
  enqueueAll(messages: readonly MessageRequest[]): Promise<number>;
}
