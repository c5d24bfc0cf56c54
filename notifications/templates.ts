/**
 * Message texts, as pure functions of the template name, its parameters and the channel.
 * SMS bodies are short (at most 320 characters: two concatenated segments); e-mails have a
 * subject and a plain-text body (the SendGrid adapter derives the HTML part from it).
 *
 * Times arrive as ISO-8601 instants and are shown in the service area's time zone with its
 * abbreviation ("Tue 3 Mar 2026, 04:00 EST"; `SERVICE_TIME_ZONE`, UTC when not given): customers
 * and experts read local wall-clock time, and the abbreviation keeps it unambiguous.
 *
 * Every template declares its required and optional parameters (`TEMPLATE_PARAMS`); a missing
 * required parameter (absent, null or empty) throws a TemplateError naming it.
 */
import { Channel, TemplateName } from './outbox';

export type TemplateParams = Record<string, string | number | null>;

export interface RenderedMessage {
  subject?: string;
  body: string;
}

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    readonly template: TemplateName,
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

/** The longest SMS body we send (two GSM-7 segments' worth). */
export const SMS_MAX_LENGTH = 320;

/** What each template needs (`required`) and may use (`optional`). Times are ISO-8601 instants. */
export const TEMPLATE_PARAMS: Readonly<Record<TemplateName, { required: readonly string[]; optional: readonly string[] }>> = {
  'visit-scheduled': { required: ['customerName', 'start', 'experts'], optional: ['end', 'ticketId'] },
  'expert-assigned': { required: ['expertName', 'start', 'end', 'address'], optional: ['problem', 'ticketId', 'visitId'] },
  'proposal-not-chosen': { required: ['start'], optional: ['expertName', 'visitId', 'ticketId'] },
  'new-visit-available': {
    required: ['skills', 'durationMinutes'],
    optional: ['expertName', 'firstWindowStart', 'windows', 'expertsNeeded', 'city', 'link', 'ticketId', 'visitId'],
  },
  'expert-on-the-way': { required: ['customerName', 'expertName', 'eta'], optional: ['ticketId'] },
  'visit-rescheduled': { required: ['customerName', 'previousStart', 'reason'], optional: ['windowStart', 'windowEnd', 'ticketId'] },
  'expert-replaced': { required: ['customerName', 'expertName', 'start'], optional: ['previousExpertName', 'ticketId'] },
  'visit-cancelled': { required: ['expertName', 'start', 'reason'], optional: ['visitId', 'ticketId'] },
  'ticket-cancelled': { required: ['customerName', 'ticketId', 'reason'], optional: [] },
  'ticket-completed-survey': { required: ['customerName', 'ticketId', 'surveyUrl'], optional: ['resolution'] },
  'payment-failed': { required: ['customerName', 'period', 'amountCents'], optional: ['currency', 'reason', 'link'] },
  'refund-issued': { required: ['customerName', 'period', 'amountCents'], optional: ['currency'] },
  'card-expiring': { required: ['customerName', 'last4', 'expiry', 'nextBillingOn'], optional: ['link'] },
  'payment-unknown-ticket-held': { required: ['customerName', 'ticketId'], optional: [] },
  'helpdesk-flag': { required: ['ticketId', 'reason'], optional: ['note', 'visitId', 'customerName', 'link'] },
  'helpdesk-escalation': { required: ['ticketId', 'visitIds'], optional: ['unfitProposals', 'customerName', 'link'] },
  'helpdesk-flag-reminder': { required: ['ticketId', 'reason'], optional: ['flaggedAt', 'waitedMinutes', 'note', 'visitId', 'link'] },
  'helpdesk-message-parked': { required: ['messageId', 'template', 'channel', 'to', 'error'], optional: ['ticketId', 'attempts', 'link'] },
};

export const TEMPLATE_NAMES = Object.keys(TEMPLATE_PARAMS) as TemplateName[];

/** Renders one message; throws TemplateError for a missing or malformed parameter. */
export function render(template: TemplateName, params: TemplateParams, channel: Channel, options: { timeZone?: string } = {}): RenderedMessage {
  const spec = TEMPLATE_PARAMS[template];
  if (!spec) throw new TemplateError(template, '', `unknown template '${String(template)}'`);
  for (const name of spec.required) {
    const value = params[name];
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
      throw new TemplateError(template, name, `template '${template}' needs the parameter '${name}'`);
    }
  }
  const p = new Params(template, params, options.timeZone ?? 'UTC');
  const message = TEMPLATES[template](p);
  if (channel === 'sms') return { body: fitSms(message.sms) };
  return { subject: message.subject, body: `${message.email.trim()}\n\n— Sysops Squad, Penultimate Electronics\n` };
}

interface Texts {
  sms: string;
  subject: string;
  email: string;
}

const TEMPLATES: Record<TemplateName, (p: Params) => Texts> = {
  'visit-scheduled': (p) => {
    const when = p.time('start');
    const until = p.has('end') ? ` until ${p.clock('end')}` : '';
    return {
      sms: `Sysops Squad: your visit is booked for ${when}${until} with ${p.text('experts')}.${p.ticketRef()}`,
      subject: `Your visit is scheduled for ${when}`,
      email: `Hello ${p.text('customerName')},

your repair visit is scheduled for ${when}${until}.
Expert${p.text('experts').includes(',') ? 's' : ''}: ${p.text('experts')}.${p.ticketRef()}

We will tell you when the expert is on the way.`,
    };
  },
  'expert-assigned': (p) => {
    const when = `${p.time('start')}–${p.clock('end')}`;
    const problem = p.has('problem') ? ` Problem: ${p.short('problem', 80)}` : '';
    return {
      sms: `Sysops Squad: you are booked ${when} at ${p.short('address', 90)}.${problem}`,
      subject: `Visit booked: ${p.time('start')}`,
      email: `Hello ${p.text('expertName')},

you are booked for a visit ${when}.
Address: ${p.text('address')}${p.has('problem') ? `\nProblem: ${p.text('problem')}` : ''}${p.has('ticketId') ? `\nTicket: ${p.text('ticketId')}` : ''}${p.has('visitId') ? `\nVisit: ${p.text('visitId')}` : ''}

Please mark yourself en route in the app when you leave.`,
    };
  },
  'proposal-not-chosen': (p) => ({
    sms: `Sysops Squad: thank you${p.has('expertName') ? ` ${p.first('expertName')}` : ''} — another expert was chosen for the visit you proposed for ${p.time('start')}. More visits are in your feed.`,
    subject: 'Your proposal was not chosen',
    email: `${p.greeting('expertName')}

thank you for proposing ${p.time('start')}${p.has('visitId') ? ` (visit ${p.text('visitId')})` : ''}. Another expert was chosen for this visit.
New visits that match your skills are waiting in your feed.`,
  }),
  'new-visit-available': (p) => {
    const team = p.has('expertsNeeded') && p.number('expertsNeeded') > 1 ? `, ${p.number('expertsNeeded')} experts` : '';
    const what = `${p.short('skills', 60)}, ${p.number('durationMinutes')} min${team}`;
    const where = p.has('city') ? ` in ${p.short('city', 40)}` : '';
    const more = p.has('windows') && p.number('windows') > 1 ? ` (${p.number('windows')} windows)` : '';
    const when = p.has('firstWindowStart') ? `, from ${p.time('firstWindowStart')}${more}` : '';
    const link = p.has('link') ? ` ${p.text('link')}` : '';
    return {
      sms: `Sysops Squad: new visit${where}: ${what}${when}. Propose your times in the app.${link}`,
      subject: `New visit available: ${p.short('skills', 60)}`,
      email: `${p.greeting('expertName')}

a new visit${where} is open: ${what}${when}.
Propose every start time that suits you${p.has('link') ? `: ${p.text('link')}` : ' in the app'}.`,
    };
  },
  'expert-on-the-way': (p) => ({
    sms: `Sysops Squad: ${p.first('expertName')} is on the way, expected at ${p.clock('eta')}.${p.ticketRef()}`,
    subject: `${p.first('expertName')} is on the way`,
    email: `Hello ${p.text('customerName')},

${p.text('expertName')} is on the way and expected at ${p.time('eta')}.${p.ticketRef()}`,
  }),
  'visit-rescheduled': (p) => {
    const window = p.has('windowStart') ? ` between ${p.time('windowStart')}${p.has('windowEnd') ? ` and ${p.time('windowEnd')}` : ''}` : '';
    return {
      sms: `Sysops Squad: your visit of ${p.time('previousStart')} has to move (${p.short('reason', 80)}). We are finding a new time${window}.${p.ticketRef()}`,
      subject: 'Your visit is being rescheduled',
      email: `Hello ${p.text('customerName')},

your visit planned for ${p.time('previousStart')} has to move: ${p.text('reason')}.
We are finding a new time${window} and will confirm it as soon as an expert is booked.${p.ticketRef()}`,
    };
  },
  'expert-replaced': (p) => {
    const previous = p.has('previousExpertName') ? ` instead of ${p.first('previousExpertName')}` : '';
    return {
      sms: `Sysops Squad: ${p.text('expertName')} will come${previous} for your visit at ${p.time('start')}.${p.ticketRef()}`,
      subject: 'A different expert will visit you',
      email: `Hello ${p.text('customerName')},

${p.text('expertName')} will come${previous} for your visit at ${p.time('start')}. The time is unchanged.${p.ticketRef()}`,
    };
  },
  'visit-cancelled': (p) => ({
    sms: `Sysops Squad: your visit at ${p.time('start')} is off (${p.short('reason', 100)}). The time is free again.`,
    subject: `Visit cancelled: ${p.time('start')}`,
    email: `Hello ${p.text('expertName')},

your visit at ${p.time('start')}${p.has('visitId') ? ` (visit ${p.text('visitId')})` : ''} no longer needs you: ${p.text('reason')}.
The time is free again in your calendar.`,
  }),
  'ticket-cancelled': (p) => ({
    sms: `Sysops Squad: ticket ${p.text('ticketId')} is cancelled (${p.short('reason', 100)}). Any booked visit is off.`,
    subject: `Ticket ${p.text('ticketId')} cancelled`,
    email: `Hello ${p.text('customerName')},

your ticket ${p.text('ticketId')} is cancelled: ${p.text('reason')}.
Any visit that was booked for it is off. Reply to this e-mail or call us if this is a mistake.`,
  }),
  'ticket-completed-survey': (p) => ({
    sms: `Sysops Squad: ticket ${p.text('ticketId')} is done. How did we do? ${p.text('surveyUrl')}`,
    subject: 'Your repair is done — how did we do?',
    email: `Hello ${p.text('customerName')},

your ticket ${p.text('ticketId')} is complete.${p.has('resolution') ? `\nWhat we did: ${p.text('resolution')}` : ''}

Please tell us how it went (one minute, one use):
${p.text('surveyUrl')}`,
  }),
  'payment-failed': (p) => {
    const amount = p.money('amountCents', p.has('currency') ? p.text('currency') : 'USD');
    const why = p.has('reason') ? ` (${p.short('reason', 60)})` : '';
    return {
      sms: `Sysops Squad: we could not charge ${amount} for ${p.text('period')}${why}. Please check your payment method.${p.has('link') ? ` ${p.text('link')}` : ''}`,
      subject: `Payment for ${p.text('period')} failed`,
      email: `Hello ${p.text('customerName')},

we could not charge ${amount} for your support plans (${p.text('period')})${p.has('reason') ? `: ${p.text('reason')}` : ''}.
Please check your payment method${p.has('link') ? `: ${p.text('link')}` : ' in your profile'}. We will try again.`,
    };
  },
  'card-expiring': (p) => ({
    sms: `Sysops Squad: your card ending ${p.text('last4')} expires ${p.text('expiry')}, before your next bill on ${p.text('nextBillingOn')}. Please add a new card${p.has('link') ? `: ${p.text('link')}` : ' in your profile'}.`,
    subject: 'Your card expires before your next bill',
    email: `Hello ${p.text('customerName')},

the card ending ${p.text('last4')} that pays for your support plans expires at the end of ${p.text('expiry')},
before your next bill on ${p.text('nextBillingOn')}. Please add a new card${p.has('link') ? `: ${p.text('link')}` : ' in your profile'}, so your plans stay paid.`,
  }),
  'refund-issued': (p) => {
    const amount = p.money('amountCents', p.has('currency') ? p.text('currency') : 'USD');
    return {
      sms: `Sysops Squad: we refunded ${amount} of your ${p.text('period')} invoice to your card. It may take a few days to show.`,
      subject: `Refund of ${amount} for ${p.text('period')}`,
      email: `Hello ${p.text('customerName')},

we refunded ${amount} of your support plan invoice for ${p.text('period')} to the card it was paid with.
Depending on your bank it may take a few days to show on your statement.`,
    };
  },
  'payment-unknown-ticket-held': (p) => ({
    sms: `Sysops Squad: we got ticket ${p.text('ticketId')} but could not confirm your plan payment yet. Our helpdesk will check and release it shortly.`,
    subject: `Ticket ${p.text('ticketId')} is waiting for a payment check`,
    email: `Hello ${p.text('customerName')},

we received your ticket ${p.text('ticketId')}, but we could not confirm your support plan payment yet.
Our helpdesk will check it and release the ticket to our experts shortly; you do not need to do anything now.`,
  }),
  'helpdesk-flag': (p) => ({
    sms: `Helpdesk: ticket ${p.text('ticketId')} flagged (${p.text('reason')})${p.has('note') ? `: ${p.short('note', 120)}` : ''}`,
    subject: `[flag] ${p.text('reason')} — ticket ${p.text('ticketId')}`,
    email: `Ticket ${p.text('ticketId')}${p.has('customerName') ? ` (${p.text('customerName')})` : ''} was flagged for helpdesk.
Reason: ${p.text('reason')}${p.has('visitId') ? `\nVisit: ${p.text('visitId')}` : ''}${p.has('note') ? `\nNote: ${p.text('note')}` : ''}${p.linkLine()}`,
  }),
  'helpdesk-escalation': (p) => ({
    sms: `Helpdesk: ticket ${p.text('ticketId')} escalated, no match in time for ${p.short('visitIds', 100)}.`,
    subject: `[escalation] no match in time — ticket ${p.text('ticketId')}`,
    email: `Ticket ${p.text('ticketId')}${p.has('customerName') ? ` (${p.text('customerName')})` : ''} found no match in time.
Visits: ${p.text('visitIds')}
${p.has('unfitProposals') ? `Proposals outside the customer's windows:\n${p.text('unfitProposals')}` : 'No expert proposed a time outside the windows.'}
Contact the customer about other times, or assign an expert directly.${p.linkLine()}`,
  }),
  'helpdesk-flag-reminder': (p) => {
    const since = p.has('flaggedAt') ? ` since ${p.time('flaggedAt')}` : p.has('waitedMinutes') ? ` for ${p.number('waitedMinutes')} minutes` : '';
    return {
      sms: `Helpdesk reminder: ticket ${p.text('ticketId')} is still flagged (${p.text('reason')})${since}.`,
      subject: `[reminder] ticket ${p.text('ticketId')} still flagged: ${p.text('reason')}`,
      email: `Ticket ${p.text('ticketId')} is still flagged for helpdesk (${p.text('reason')})${since}.${p.has('visitId') ? `\nVisit: ${p.text('visitId')}` : ''}${p.has('note') ? `\nNote: ${p.text('note')}` : ''}
Please pick it up.${p.linkLine()}`,
    };
  },
  'helpdesk-message-parked': (p) => ({
    sms: `Helpdesk: a ${p.text('channel')} message (${p.text('template')}) to ${p.text('to')} could not be delivered: ${p.short('error', 120)}`,
    subject: `[undelivered] ${p.text('template')} to ${p.text('to')}`,
    email: `A ${p.text('channel')} message could not be delivered and is parked.
Message: ${p.text('messageId')} (${p.text('template')})
To: ${p.text('to')}${p.has('ticketId') ? `\nTicket: ${p.text('ticketId')}` : ''}${p.has('attempts') ? `\nAttempts: ${p.number('attempts')}` : ''}
Error: ${p.text('error')}

Fix the contact details or the configuration, then retry it from the helpdesk notifications page.${p.linkLine()}`,
  }),
};

class Params {
  constructor(
    private readonly template: TemplateName,
    private readonly values: TemplateParams,
    private readonly timeZone: string,
  ) {}

  has(name: string): boolean {
    const v = this.values[name];
    return v !== undefined && v !== null && String(v).trim() !== '';
  }

  text(name: string): string {
    const v = this.values[name];
    if (v === undefined || v === null) throw new TemplateError(this.template, name, `template '${this.template}' needs the parameter '${name}'`);
    return String(v).trim();
  }

  /** Free text cut to `max` characters, for SMS. */
  short(name: string, max: number): string {
    const t = this.text(name).replace(/\s+/g, ' ');
    return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
  }

  first(name: string): string {
    return this.text(name).split(/\s+/)[0] ?? this.text(name);
  }

  number(name: string): number {
    const n = Number(this.values[name]);
    if (!Number.isFinite(n)) throw new TemplateError(this.template, name, `parameter '${name}' of template '${this.template}' is not a number`);
    return n;
  }

  /** "Tue 3 Mar 2026, 09:00 UTC" */
  time(name: string): string {
    return formatTime(this.date(name).toISOString(), this.timeZone);
  }

  /** "09:00 UTC" */
  clock(name: string): string {
    const { hour, minute, zone } = wallClock(this.date(name), this.timeZone);
    return `${hour}:${minute} ${zone}`;
  }

  money(name: string, currency: string): string {
    const cents = this.number(name);
    const amount = (cents / 100).toFixed(2);
    return currency === 'USD' ? `$${amount}` : `${amount} ${currency}`;
  }

  /** "Hello Sam Ortiz," or "Hello," when the name is not given. */
  greeting(name: string): string {
    return this.has(name) ? `Hello ${this.text(name)},` : 'Hello,';
  }

  ticketRef(): string {
    return this.has('ticketId') ? ` Ticket ${this.text('ticketId')}.` : '';
  }

  linkLine(): string {
    return this.has('link') ? `\n\nOpen: ${this.text('link')}` : '';
  }

  private date(name: string): Date {
    const raw = this.text(name);
    const d = new Date(raw);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || Number.isNaN(d.getTime())) {
      throw new TemplateError(this.template, name, `parameter '${name}' of template '${this.template}' is not an ISO-8601 time: ${raw}`);
    }
    return d;
  }
}

/** "Tue 3 Mar 2026, 09:00 UTC" for an ISO-8601 instant in `timeZone` (for parameters that are prose already). */
export function formatTime(iso: string, timeZone = 'UTC'): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const w = wallClock(d, timeZone);
  return `${w.weekday} ${w.day} ${w.month} ${w.year}, ${w.hour}:${w.minute} ${w.zone}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
    formatters.set(timeZone, f);
  }
  return f;
}

interface WallClock {
  weekday: string;
  day: string;
  month: string;
  year: string;
  hour: string;
  minute: string;
  zone: string;
}

/**
 * The wall clock of each minute asked, per time zone. Asking Intl was about a percent of the
 * server under load, and the messages of one ticket ask for the same few minutes again and
 * again. What a zone's clock reads in a given minute never changes, so nothing here goes stale;
 * the memo is emptied when it holds WALL_CLOCK_MEMO minutes.
 */
const wallClocks = new Map<string, WallClock>();
const WALL_CLOCK_MEMO = 4096;

export function wallClock(d: Date, timeZone: string): WallClock {
  const key = `${timeZone} ${Math.floor(d.getTime() / 60_000)}`;
  let clock = wallClocks.get(key);
  if (!clock) {
    const parts = Object.fromEntries(formatter(timeZone).formatToParts(d).map((p) => [p.type, p.value]));
    clock = Object.freeze({ weekday: parts.weekday!, day: parts.day!, month: parts.month!, year: parts.year!, hour: parts.hour!, minute: parts.minute!, zone: parts.timeZoneName! });
    if (wallClocks.size >= WALL_CLOCK_MEMO) wallClocks.clear();
    wallClocks.set(key, clock);
  }
  return clock;
}

/** Whitespace collapsed; cut at SMS_MAX_LENGTH, keeping a trailing link whole when there is one. */
function fitSms(text: string): string {
  const body = text.replace(/\s+/g, ' ').trim();
  if (body.length <= SMS_MAX_LENGTH) return body;
  const link = /\s(https?:\/\/\S+)$/.exec(body);
  if (link?.[1] && link[1].length < SMS_MAX_LENGTH / 2) {
    const head = body.slice(0, SMS_MAX_LENGTH - link[1].length - 2);
    return `${head}… ${link[1]}`;
  }
  return `${body.slice(0, SMS_MAX_LENGTH - 1)}…`;
}
