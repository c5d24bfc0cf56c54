/**
 * Helpdesk flag reminders: a flag still open FLAG_REMINDER_MIN after it was raised reminds
 * helpdesk by e-mail.
 *
 * - TicketFlaggedForHelpdesk schedules a 'flag-reminder', keyed by the flag and the event that
 *   raised it (a flag raised again gets its own reminder);
 * - TicketFlagResolved cancels the pending reminders of that flag — not those of the same flag
 *   raised again since;
 * - at the reminder, if that very flag (same reason, visit and time) is still open, helpdesk is
 *   e-mailed.
 *
 * It runs on the matching saga's subscription (see `matchingSaga`), where its deadlines were first
 * scheduled: they keep their ids, and those already pending still fire.
 */
import { tickets } from '../commands/ticket';
import { Config } from '../config/config';
import { addMinutes, ms } from '../domain/shared/time';
import { OpenFlag, TicketEvent } from '../domain/ticket/ticket';
import { Deadline, DEADLINES } from './deadlines';
import { cancel, DeadlineInput, EventInput, ignore, publish, schedule, Workflow, WorkflowOutput } from './workflow';

export const FLAG_REMINDER = 'flag-reminder';

export type FlagReminderInput = EventInput<TicketEvent, 'TicketFlaggedForHelpdesk' | 'TicketFlagResolved'> | DeadlineInput<typeof FLAG_REMINDER>;

export interface FlagReminderState {
  /** The ticket's open flags; null when the ticket is unknown. */
  openFlags: OpenFlag[] | null;
  /** The ticket's pending reminders: their keys and what they remind of. */
  pendingReminders: { key: string; payload: Record<string, unknown> }[];
}

export function flagRemindersWorkflow(config: Pick<Config, 'FLAG_REMINDER_MIN' | 'HELPDESK_EMAIL'>): Workflow<FlagReminderInput, FlagReminderState> {
  return {
    name: 'flag-reminders',
    events: ['TicketFlaggedForHelpdesk', 'TicketFlagResolved'],
    deadlines: [FLAG_REMINDER],

    async read(input, ctx) {
      if (input.type === 'TicketFlaggedForHelpdesk') return { openFlags: null, pendingReminders: [] };
      const ticketId = input.type === FLAG_REMINDER ? text(input.data.ticketId) : input.data.ticketId;
      const ticket = await ctx.load(tickets, ticketId);
      const openFlags = ticket.status === 'none' ? null : ticket.flags;
      if (input.type === FLAG_REMINDER) return { openFlags, pendingReminders: [] };
      const pending = await ctx.documents.collection<Deadline>(DEADLINES).find({ saga: ctx.saga, kind: FLAG_REMINDER, status: 'pending', 'payload.ticketId': ticketId });
      const pendingReminders = pending.flatMap((d) => (typeof d.payload.key === 'string' ? [{ key: d.payload.key, payload: d.payload }] : []));
      return { openFlags, pendingReminders };
    },

    decide(input, state): WorkflowOutput[] {
      switch (input.type) {
        case 'TicketFlaggedForHelpdesk': {
          const { ticketId, reason, visitId, flaggedAt } = input.data;
          const due = new Date(ms(addMinutes(flaggedAt, config.FLAG_REMINDER_MIN)));
          return [schedule(FLAG_REMINDER, `${ticketId}:${reason}:${visitId ?? '-'}:${input.id}`, due, { ticketId, reason, visitId, flaggedAt })];
        }
        case 'TicketFlagResolved': {
          const { reason, visitId } = input.data;
          const raisedAgain = state.openFlags?.find((f) => f.reason === reason && f.visitId === visitId)?.flaggedAt;
          const resolved = state.pendingReminders.filter(
            ({ payload }) => payload.reason === reason && (payload.visitId ?? null) === visitId && (raisedAgain === undefined || payload.flaggedAt !== raisedAgain),
          );
          return resolved.length > 0 ? resolved.map(({ key }) => cancel(FLAG_REMINDER, key)) : [ignore('no reminder of this flag is pending')];
        }
        case FLAG_REMINDER: {
          const ticketId = text(input.data.ticketId);
          const reason = text(input.data.reason);
          const visitId = typeof input.data.visitId === 'string' ? input.data.visitId : null;
          const flaggedAt = text(input.data.flaggedAt);
          if (state.openFlags === null) return [ignore('the ticket is unknown')];
          const open = state.openFlags.find((f) => f.reason === reason && f.visitId === visitId && f.flaggedAt === flaggedAt);
          if (!open) return [ignore('the flag was resolved')];
          return [
            publish({
              channel: 'email',
              to: config.HELPDESK_EMAIL,
              template: 'helpdesk-flag-reminder',
              params: { ticketId, reason, visitId, flaggedAt, note: open.note, waitedMinutes: config.FLAG_REMINDER_MIN },
              ticketId,
              ...(visitId ? { visitId } : {}),
              recipient: { kind: 'helpdesk', id: 'helpdesk' },
            }),
          ];
        }
      }
    },
  };
}

function text(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`deadline payload: expected a string, got ${JSON.stringify(value)}`);
  return value;
}
