/** The helpdesk flag reminders' decisions, given the ticket's open flags and pending reminders. */
import { OpenFlag } from '../../domain/ticket/ticket';
import { specifyWorkflow } from '../../testing/workflow-specification';
import { FLAG_REMINDER, FlagReminderState, flagRemindersWorkflow } from '../flag-reminders';
import { cancel, publish, schedule } from '../workflow';

const spec = specifyWorkflow(flagRemindersWorkflow({ FLAG_REMINDER_MIN: 30, HELPDESK_EMAIL: 'helpdesk@sysops.example.com' }));
const helpdesk = { userId: 'u-help', role: 'helpdesk' as const };
const FLAGGED = '2026-03-02T08:00:00.000Z';
const AGAIN = '2026-03-02T09:00:00.000Z';
const flag = (flaggedAt: string): OpenFlag => ({ reason: 'no-access', visitId: 'v1', note: 'nobody home', candidates: [], flaggedAt });
const reminder = (flaggedAt: string, key: string) => ({ key, payload: { ticketId: 't1', reason: 'no-access', visitId: 'v1', flaggedAt, key } });
const nothing: FlagReminderState = { openFlags: null, pendingReminders: [] };

describe('flag reminders workflow', () => {
  it('a flag schedules its reminder, keyed by the flag and the event that raised it', () =>
    spec
      .given(nothing)
      .when({ type: 'TicketFlaggedForHelpdesk', data: { ticketId: 't1', reason: 'no-access', visitId: 'v1', note: 'nobody home', flaggedBy: helpdesk, flaggedAt: FLAGGED }, id: 'ev-1', at: FLAGGED })
      .then(schedule(FLAG_REMINDER, 't1:no-access:v1:ev-1', new Date('2026-03-02T08:30:00.000Z'), { ticketId: 't1', reason: 'no-access', visitId: 'v1', flaggedAt: FLAGGED })));

  it('resolving a flag cancels its reminder, not that of the same flag raised again since', () =>
    spec
      .given({ openFlags: [flag(AGAIN)], pendingReminders: [reminder(FLAGGED, 'first'), reminder(AGAIN, 'again')] })
      .when({ type: 'TicketFlagResolved', data: { ticketId: 't1', reason: 'no-access', visitId: 'v1', resolution: 'handled', note: '', resolvedBy: helpdesk, resolvedAt: AGAIN }, id: 'ev-2', at: AGAIN })
      .then(cancel(FLAG_REMINDER, 'first')));

  it('at the reminder, a flag still open reminds helpdesk by e-mail', () =>
    spec
      .given({ openFlags: [flag(FLAGGED)], pendingReminders: [] })
      .when({ type: FLAG_REMINDER, data: reminder(FLAGGED, 'first').payload, id: 'matching:flag-reminder:first', at: '2026-03-02T08:30:00.000Z' })
      .then(
        publish({
          channel: 'email',
          to: 'helpdesk@sysops.example.com',
          template: 'helpdesk-flag-reminder',
          params: { ticketId: 't1', reason: 'no-access', visitId: 'v1', flaggedAt: FLAGGED, note: 'nobody home', waitedMinutes: 30 },
          ticketId: 't1',
          visitId: 'v1',
          recipient: { kind: 'helpdesk', id: 'helpdesk' },
        }),
      ));

  it('at the reminder, a flag resolved (or raised again since) reminds nobody', () =>
    spec
      .given({ openFlags: [flag(AGAIN)], pendingReminders: [] })
      .when({ type: FLAG_REMINDER, data: reminder(FLAGGED, 'first').payload, id: 'matching:flag-reminder:first', at: '2026-03-02T08:30:00.000Z' })
      .thenIgnores('resolved'));
});
