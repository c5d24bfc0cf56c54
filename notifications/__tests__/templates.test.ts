import fc from 'fast-check';
import { TemplateName } from '../outbox';
import { formatTime, render, SMS_MAX_LENGTH, TEMPLATE_NAMES, TEMPLATE_PARAMS, TemplateError, TemplateParams, wallClock } from '../templates';

const TIME_PARAMS = new Set(['start', 'end', 'eta', 'previousStart', 'windowStart', 'windowEnd', 'flaggedAt', 'firstWindowStart']);
const NUMBER_PARAMS: Record<string, number> = { amountCents: 2599, durationMinutes: 90, waitedMinutes: 75, attempts: 6, expertsNeeded: 2, windows: 3 };
const TEXT: Record<string, string> = {
  customerName: 'Dana Scully',
  expertName: 'Sam Ortiz',
  previousExpertName: 'Alex Krycek',
  experts: 'Sam Ortiz, Ana Li',
  address: '1 Elm, 01101 Springfield, US',
  problem: 'the washer leaks',
  ticketId: 't-42',
  visitId: 'v-1',
  reason: 'the expert had an accident',
  surveyUrl: 'https://sysops.example.com/survey/abc123',
  period: '2026-03',
  currency: 'USD',
  link: 'https://sysops.example.com/tickets/t-42',
  note: 'customer called twice',
  visitIds: 'v-1, v-2',
  unfitProposals: '- visit v-1: Sam Ortiz could start Tue 3 Mar 2026, 13:00 UTC',
  skills: 'plumbing, gas',
  city: 'Springfield',
  resolution: 'replaced the pump',
  messageId: 'abc',
  template: 'visit-scheduled',
  channel: 'sms',
  to: '+15550100',
  error: 'twilio permanent HTTP 400 code 21211: invalid To',
  last4: '4242',
  expiry: '2026-03',
  nextBillingOn: '2026-04-05',
};

function sample(name: string): string | number {
  if (TIME_PARAMS.has(name)) return name === 'end' || name === 'windowEnd' ? '2026-03-03T10:30:00.000Z' : '2026-03-03T09:00:00.000Z';
  if (name in NUMBER_PARAMS) return NUMBER_PARAMS[name]!;
  const text = TEXT[name];
  if (text === undefined) throw new Error(`no sample for ${name}`);
  return text;
}

function fullParams(template: TemplateName): TemplateParams {
  const spec = TEMPLATE_PARAMS[template];
  return Object.fromEntries([...spec.required, ...spec.optional].map((n) => [n, sample(n)]));
}

function requiredOnly(template: TemplateName): TemplateParams {
  return Object.fromEntries(TEMPLATE_PARAMS[template].required.map((n) => [n, sample(n)]));
}

describe('templates', () => {
  it('covers every template name of the contract', () => {
    expect(TEMPLATE_NAMES).toHaveLength(18);
  });

  describe.each(TEMPLATE_NAMES)('%s', (template) => {
    it.each([
      ['all parameters', fullParams],
      ['required parameters only', requiredOnly],
    ])('renders an SMS and an e-mail with %s', (_label, build) => {
      const params = build(template);
      const sms = render(template, params, 'sms');
      expect(sms.subject).toBeUndefined();
      expect(sms.body.length).toBeGreaterThan(20);
      expect(sms.body.length).toBeLessThanOrEqual(SMS_MAX_LENGTH);
      expect(sms.body).not.toMatch(/undefined|null|NaN|\[object/);

      const email = render(template, params, 'email');
      expect(email.subject).toBeTruthy();
      expect(email.subject!.length).toBeLessThan(120);
      expect(email.body).toContain('Sysops Squad');
      expect(`${email.subject} ${email.body}`).not.toMatch(/undefined|null|NaN|\[object/);
    });

    it('names each missing required parameter', () => {
      for (const name of TEMPLATE_PARAMS[template].required) {
        for (const missing of [undefined, null, '  ']) {
          const params = fullParams(template);
          if (missing === undefined) delete params[name];
          else params[name] = missing;
          for (const channel of ['sms', 'email'] as const) {
            let thrown: unknown;
            try {
              render(template, params, channel);
            } catch (error) {
              thrown = error;
            }
            expect(thrown).toBeInstanceOf(TemplateError);
            expect(thrown).toMatchObject({ template, param: name });
            expect((thrown as Error).message).toContain(`'${name}'`);
          }
        }
      }
    });
  });

  it('shows times in a readable form, in UTC or in the service area’s zone', () => {
    const r = render('visit-scheduled', { customerName: 'Dana', start: '2026-03-03T09:00:00.000Z', end: '2026-03-03T10:00:00.000Z', experts: 'Sam Ortiz' }, 'email');
    expect(r.subject).toBe('Your visit is scheduled for Tue 3 Mar 2026, 09:00 UTC');
    expect(r.body).toContain('Tue 3 Mar 2026, 09:00 UTC until 10:00 UTC');
    expect(formatTime('2026-12-31T23:05:00Z')).toBe('Thu 31 Dec 2026, 23:05 UTC');
    // In the service area's zone, across a date line and with daylight saving time.
    expect(formatTime('2026-12-31T23:05:00Z', 'America/New_York')).toBe('Thu 31 Dec 2026, 18:05 EST');
    expect(formatTime('2027-01-01T03:30:00Z', 'America/New_York')).toBe('Thu 31 Dec 2026, 22:30 EST');
    expect(formatTime('2026-07-04T13:00:00Z', 'America/New_York')).toBe('Sat 4 Jul 2026, 09:00 EDT');
    const local = render('visit-scheduled', { customerName: 'Dana', start: '2026-03-03T14:00:00.000Z', end: '2026-03-03T15:00:00.000Z', experts: 'Sam Ortiz' }, 'sms', { timeZone: 'America/New_York' });
    expect(local.body).toContain('Tue 3 Mar 2026, 09:00 EST until 10:00 EST');
  });

  it('an SMS is one short line', () => {
    const r = render('expert-on-the-way', { customerName: 'Dana Scully', expertName: 'Sam Ortiz', eta: '2026-03-03T08:55:00.000Z', ticketId: 't1' }, 'sms');
    expect(r.body).toBe('Sysops Squad: Sam is on the way, expected at 08:55 UTC. Ticket t1.');
  });

  it('the survey e-mail carries the survey link', () => {
    const url = 'http://localhost:3000/survey/Zm9vYmFy_-x';
    const r = render('ticket-completed-survey', { customerName: 'Dana', ticketId: 't1', surveyUrl: url }, 'email');
    expect(r.body).toContain(`\n${url}`);
    expect(r.subject).toMatch(/how did we do/);
  });

  it('renders what the matching saga sends (no expert name; extra parameters ignored)', () => {
    const visit = { skills: 'plumbing, gas', durationMinutes: 60, expertsNeeded: 1, firstWindowStart: '2026-03-03T08:00:00.000Z', windows: 2, rank: 0.83, ticketId: 't1', visitId: 'v1' };
    expect(render('new-visit-available', visit, 'sms').body).toBe(
      'Sysops Squad: new visit: plumbing, gas, 60 min, from Tue 3 Mar 2026, 08:00 UTC (2 windows). Propose your times in the app.',
    );
    expect(render('proposal-not-chosen', { start: '2026-03-03T09:00:00.000Z', ticketId: 't1', visitId: 'v1' }, 'email').body).toMatch(/^Hello,\n\nthank you for proposing Tue 3 Mar 2026, 09:00 UTC \(visit v1\)/);
    const reminder = { ticketId: 't1', reason: 'payment-status-unknown', visitId: null, flaggedAt: '2026-03-02T08:00:00.000Z', note: 'payment status unknown', waitedMinutes: 60 };
    expect(render('helpdesk-flag-reminder', reminder, 'email').subject).toBe('[reminder] ticket t1 still flagged: payment-status-unknown');
    expect(render('helpdesk-flag-reminder', reminder, 'sms').body).toBe('Helpdesk reminder: ticket t1 is still flagged (payment-status-unknown) since Mon 2 Mar 2026, 08:00 UTC.');
  });

  it('formats money from cents', () => {
    expect(render('payment-failed', { customerName: 'Dana', period: '2026-03', amountCents: 1900 }, 'sms').body).toContain('$19.00 for 2026-03');
    expect(render('payment-failed', { customerName: 'Dana', period: '2026-03', amountCents: 1900, currency: 'EUR' }, 'sms').body).toContain('19.00 EUR');
    expect(render('refund-issued', { customerName: 'Dana', period: '2026-03', amountCents: 750 }, 'sms').body).toContain('refunded $7.50 of your 2026-03 invoice');
  });

  it('rejects a time that is not ISO-8601 and an amount that is not a number, naming the parameter', () => {
    expect(() => render('expert-on-the-way', { customerName: 'D', expertName: 'S', eta: 'soon' }, 'sms')).toThrow(/'eta'/);
    expect(() => render('payment-failed', { customerName: 'D', period: '2026-03', amountCents: 'lots' }, 'email')).toThrow(/'amountCents'/);
  });

  it('keeps every SMS within 320 characters whatever the free text, and a trailing link whole', () => {
    const text = fc.string({ minLength: 1, maxLength: 600 }).filter((s) => s.trim().length > 0);
    fc.assert(
      fc.property(fc.constantFrom(...TEMPLATE_NAMES), text, text, (template, long, other) => {
        const params = fullParams(template);
        for (const name of Object.keys(params)) {
          if (!TIME_PARAMS.has(name) && !(name in NUMBER_PARAMS) && name !== 'surveyUrl' && name !== 'link') params[name] = name.length % 2 ? long : other;
        }
        const sms = render(template, params, 'sms');
        return sms.body.length <= SMS_MAX_LENGTH;
      }),
      { numRuns: 300 },
    );
    const r = render('new-visit-available', { skills: 'x'.repeat(500), durationMinutes: 60, city: 'y'.repeat(500), link: 'https://sysops.example.com/feed' }, 'sms');
    expect(r.body.length).toBeLessThanOrEqual(SMS_MAX_LENGTH);
    expect(r.body.endsWith(' https://sysops.example.com/feed')).toBe(true);
  });
});

describe('the wall clock of a minute', () => {
  it('property: remembered or not, it reads what Intl reads for that instant and zone', () => {
    const zones = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham'];
    const fresh = (d: Date, timeZone: string) => {
      const parts = Object.fromEntries(
        new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' })
          .formatToParts(d)
          .map((p) => [p.type, p.value]),
      );
      return { weekday: parts.weekday, day: parts.day, month: parts.month, year: parts.year, hour: parts.hour, minute: parts.minute, zone: parts.timeZoneName };
    };
    // Instants around DST changes and the same minutes asked again with other seconds.
    const instant = fc.oneof(
      fc.integer({ min: Date.UTC(2026, 2, 7), max: Date.UTC(2026, 2, 9) }),
      fc.integer({ min: Date.UTC(2026, 9, 24), max: Date.UTC(2026, 10, 2) }),
      fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(instant, fc.constantFrom(...zones)), { minLength: 1, maxLength: 30 }), (asks) => {
        for (const [t, zone] of [...asks, ...asks.map(([u, z]) => [u - (u % 60_000) + 59_999, z] as const)]) {
          expect([t, zone, { ...wallClock(new Date(t), zone) }]).toEqual([t, zone, fresh(new Date(t), zone)]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
