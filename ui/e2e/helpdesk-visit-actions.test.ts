/**
 * The helpdesk's visit and ticket actions in a real browser at 1280 px, each from the ticket's
 * workspace on a real test system: an expert who cannot arrive replaced by the one free then and
 * the flag resolved; a replacement refused because the chosen expert was booked meanwhile (and
 * nobody else is free); a visit rescheduled to the afternoon, and a reschedule refused because
 * the expert arrived meanwhile; a started visit extended, then closed with a follow-up when the
 * expert's next booking is in the way; a held ticket released and another cancelled; a parked
 * message sent again to a corrected number after a bad one was refused. After each action the
 * test reads what helpdesk sees; after each refusal, the API's message in the form and nothing
 * changed. The workspace is checked with axe with each dialog open and each dialog screenshotted.
 */
import { Browser, Page } from 'playwright-core';
import { startTestSystem, TestSystem } from '../../api/__tests__/harness';
import { at, markPaid, onboardExpert, scheduledVisit, walk, windowOn } from '../../api/__tests__/scenario';
import { buildWebApp, describeInBrowser, launchBrowser, screenshotWithoutMessages } from './browser';
import { axe, heldForPayment, SignedInWindows, signedInWindows } from './helpdesk-scenarios';

jest.setTimeout(300_000);

type Scheduled = { ticketId: string; visitId: string };

describeInBrowser('web app: the helpdesk acts on visits and tickets', () => {
  let sys: TestSystem;
  let browser: Browser;
  let windows: SignedInWindows;
  let helpdesk: Page;
  const tokens = { customer: '', expert: '', admin: '' };
  let rita: { expertId: string; token: string };
  let cantArrive: Scheduled;
  let contested: Scheduled;
  let moving: Scheduled;
  let overrun: Scheduled;

  beforeAll(async () => {
    sys = await startTestSystem({ webApp: buildWebApp(), live: true });
    await markPaid(sys, 'cust-test');
    for (const role of Object.keys(tokens) as (keyof typeof tokens)[]) tokens[role] = await sys.token(role);
    rita = await onboardExpert(sys, tokens.admin, { name: 'Rita Replacement', email: 'rita@test.local', phone: '+15550100107', password: 'rita has a long password' });
    const eli = { customer: tokens.customer, expert: tokens.expert };

    // Eli (exp-test) is booked for each of these; the first he cannot reach (his van broke down).
    cantArrive = await scheduledVisit(sys, eli, windowOn(4, '09:00', '12:00'), at(4, '09:00'));
    const cant = await sys.call('POST', `/visits/${cantArrive.visitId}/cant-arrive`, { token: tokens.expert, body: { reason: 'my van broke down' } });
    expect(cant.status).toBe(200);
    contested = await scheduledVisit(sys, eli, windowOn(5, '09:00', '12:00'), at(5, '09:00'));
    moving = await scheduledVisit(sys, eli, windowOn(6, '09:00', '12:00'), at(6, '09:00'));
    // On Tue 10 Eli has the overrunning visit at 09:00, and his next one at 11:00.
    overrun = await scheduledVisit(sys, eli, windowOn(10, '09:00', '12:00'), at(10, '09:00'));
    await scheduledVisit(sys, eli, windowOn(10, '11:00', '12:00'), at(10, '11:00'));
    await heldForPayment(sys, 'held-to-release', windowOn(11, '09:00', '17:00'));
    await heldForPayment(sys, 'held-to-cancel', windowOn(12, '09:00', '17:00'));
    await sys.settle();

    browser = await launchBrowser();
    windows = signedInWindows(sys, browser);
    helpdesk = await windows.signedIn('helpdesk');
  });
  afterAll(async () => {
    await windows?.closeAll();
    await browser?.close();
    await sys?.stop();
  });

  const workspace = async (ticketId: string) => {
    await helpdesk.goto(`${sys.url}/staff/helpdesk/tickets/${ticketId}`);
    await helpdesk.getByText(`Ticket ${ticketId}`, { exact: false }).waitFor();
  };
  const dialog = (title: string) => helpdesk.getByRole('dialog', { name: title });
  const visitStatus = () => helpdesk.getByTestId('visit').first().getByTestId('visit-status');
  /** The visit's booked time and experts, as the workspace shows it. */
  const scheduled = (text: RegExp) => helpdesk.getByTestId('visit').first().getByText(text);
  const expertsOn = async (visitId: string) => (await sys.call('GET', `/visits/${visitId}`, { token: tokens.admin })).body.experts;

  it('replaces an expert who cannot arrive by the one free then, and resolves the flag', async () => {
    await workspace(cantArrive.ticketId);
    const flags = helpdesk.getByTestId('flags');
    await flags.getByText('Replacement needed').waitFor();
    await flags.getByText('Free to replace: Rita Replacement', { exact: false }).waitFor();
    await visitStatus().getByText('cant-arrive').waitFor();

    await helpdesk.getByRole('button', { name: 'Replace an expert' }).click();
    const replace = dialog('Replace an expert');
    await replace.getByRole('radio', { name: 'Rita Replacement' }).check();
    await axe(helpdesk, 'replace an expert');
    await screenshotWithoutMessages(helpdesk, 'helpdesk-replace-expert');
    await replace.getByRole('button', { name: 'Replace the expert' }).click();
    await replace.waitFor({ state: 'detached' });
    await helpdesk.getByText(`Expert replaced: ${rita.expertId} takes the visit.`).waitFor();
    await visitStatus().getByText('finalized').waitFor();
    await scheduled(new RegExp(`Scheduled .*09:00 AM–10:00 AM with ${rita.expertId}$`)).waitFor();

    // The replacement is done: the flag is resolved with what was done, for the history.
    await flags.getByRole('button', { name: 'Resolve' }).click();
    const resolve = dialog('Resolve the flag');
    await resolve.getByText('Replacement needed — exp-test cannot arrive (my van broke down)', { exact: false }).waitFor();
    await resolve.getByLabel("Note (kept in the ticket's history)").fill('Rita goes instead; the customer knows');
    await axe(helpdesk, 'resolve a flag');
    await screenshotWithoutMessages(helpdesk, 'helpdesk-resolve-flag');
    await resolve.getByRole('button', { name: 'Resolve the flag' }).click();
    await flags.waitFor({ state: 'detached' });
    await helpdesk.getByTestId('timeline-entry').filter({ hasText: 'resolved: handled — Rita goes instead; the customer knows' }).waitFor();
  });

  it('shows why a replacement is refused (the expert was booked meanwhile, nobody else is free) and changes nothing', async () => {
    await workspace(contested.ticketId);
    await helpdesk.getByRole('button', { name: 'Replace an expert' }).click();
    const replace = dialog('Replace an expert');
    await replace.getByRole('radio', { name: 'Rita Replacement' }).check();
    // While helpdesk is on the phone, Rita takes another visit at that very hour.
    await scheduledVisit(sys, { customer: tokens.customer, expert: rita.token }, windowOn(5, '09:00', '12:00'), at(5, '09:00'));

    await replace.getByRole('button', { name: 'Replace the expert' }).click();
    const refused = replace.getByRole('alert');
    await refused.getByText('Nobody free').waitFor();
    await refused.getByText(`Expert ${rita.expertId} cannot cover the visit.`).waitFor();
    // The list is asked again: Rita is no longer offered, and letting the system pick finds nobody either.
    await replace.getByText("Nobody qualified is free for the visit's time: reschedule it instead.").waitFor();
    await expect(replace.getByRole('radio', { name: 'Rita Replacement' }).count()).resolves.toBe(0);
    await expect(replace.getByRole('radio', { name: 'The best free expert (the system picks)' }).isChecked()).resolves.toBe(true);
    await replace.getByRole('button', { name: 'Replace the expert' }).click();
    await refused.getByText('No qualified expert is free for the visit.').waitFor();
    await axe(helpdesk, 'replace an expert (refused)');
    await screenshotWithoutMessages(helpdesk, 'helpdesk-replace-expert-refused');

    await helpdesk.keyboard.press('Escape');
    await replace.waitFor({ state: 'detached' });
    await visitStatus().getByText('finalized').waitFor();
    await scheduled(/Scheduled .*09:00 AM–10:00 AM with exp-test$/).waitFor();
    expect(await expertsOn(contested.visitId)).toEqual(['exp-test']);
  });

  it('reschedules a visit to the afternoon: its expert is released and it is open for experts again', async () => {
    await workspace(moving.ticketId);
    await helpdesk.getByRole('button', { name: 'Reschedule' }).click();
    const reschedule = dialog('Reschedule the visit');
    await reschedule.getByLabel('From, window 1').fill('13:00');
    await reschedule.getByLabel('Until, window 1').fill('17:00');
    await reschedule.getByLabel('Why (the customer is told)').fill('The customer is at work in the morning');
    await axe(helpdesk, 'reschedule the visit');
    await screenshotWithoutMessages(helpdesk, 'helpdesk-reschedule');
    await reschedule.getByRole('button', { name: 'Reschedule the visit' }).click();
    await reschedule.waitFor({ state: 'detached' });
    await helpdesk.getByText('Visit rescheduled: it is open for experts again.').waitFor();
    await visitStatus().getByText('open', { exact: true }).waitFor();
    await helpdesk.getByTestId('visit').getByText(/Windows: .*01:00 PM–05:00 PM$/).waitFor();
    await expect(scheduled(/^Scheduled /).count()).resolves.toBe(0);
    // Open again: helpdesk may now assign someone at once.
    await helpdesk.getByRole('button', { name: 'Assign an expert' }).waitFor();
    expect(await expertsOn(moving.visitId)).toEqual([]);
  });

  it('shows why a reschedule is refused (the expert arrived meanwhile) and changes nothing', async () => {
    await workspace(overrun.ticketId);
    await helpdesk.getByRole('button', { name: 'Reschedule' }).click();
    const reschedule = dialog('Reschedule the visit');
    await reschedule.getByLabel('From, window 1').fill('14:00');
    await reschedule.getByLabel('Until, window 1').fill('16:00');
    // Eli was on his way and rings the bell before helpdesk saves.
    await walk(sys, tokens.expert, overrun.visitId, [['en-route', { eta: at(10, '09:00') }], ['arrived', {}]]);

    await reschedule.getByRole('button', { name: 'Reschedule the visit' }).click();
    await reschedule.getByRole('alert').getByText(/is arrived: only a scheduled visit that did not start is rescheduled/).waitFor();
    await axe(helpdesk, 'reschedule the visit (refused)');
    await screenshotWithoutMessages(helpdesk, 'helpdesk-reschedule-refused');

    await helpdesk.keyboard.press('Escape');
    await reschedule.waitFor({ state: 'detached' });
    await visitStatus().getByText('arrived').waitFor();
    await scheduled(/Scheduled .*09:00 AM–10:00 AM with exp-test$/).waitFor();
    await helpdesk.getByTestId('visit').first().getByText(/Windows: .*09:00 AM–12:00 PM$/).waitFor();
  });

  it('extends a started visit, then closes it with a follow-up when the expert must leave for his next visit', async () => {
    await walk(sys, tokens.expert, overrun.visitId, [['started', {}]]);
    await workspace(overrun.ticketId);
    await visitStatus().getByText('started').waitFor();

    // Eli calls: half an hour more. He is free until his 11:00 visit.
    await helpdesk.getByRole('button', { name: 'Extend' }).click();
    const extend = dialog('Extend the visit');
    await extend.getByLabel('Extra minutes').fill('30');
    await extend.getByText(/^Booked .*09:00 AM–10:00 AM with exp-test\. Extended, it ends at 10:30 AM; if an expert on it is booked before then/).waitFor();
    await axe(helpdesk, 'extend the visit');
    await screenshotWithoutMessages(helpdesk, 'helpdesk-extend');
    await extend.getByRole('button', { name: 'Extend the visit' }).click();
    await extend.waitFor({ state: 'detached' });
    await helpdesk.getByText(/^Visit extended until .*10:30 AM\.$/).waitFor();
    await scheduled(/Scheduled .*09:00 AM–10:30 AM with exp-test$/).waitFor();
    await visitStatus().getByText('started').waitFor();

    // He calls again: another hour would run into his 11:00 visit, so this one ends here and a
    // follow-up visit is planned.
    await helpdesk.getByRole('button', { name: 'Extend' }).click();
    await extend.getByLabel('Extra minutes').fill('60');
    await extend.getByText(/^Booked .*09:00 AM–10:30 AM with exp-test\. Extended, it ends at 11:30 AM;/).waitFor();
    await extend.getByRole('button', { name: 'Extend the visit' }).click();
    await extend.waitFor({ state: 'detached' });
    await helpdesk.getByText(/^Not everyone is free: the visit was closed incomplete, follow-up visit .+ planned\.$/).waitFor();
    await visitStatus().getByText('closed-incomplete').waitFor();
    await expect(helpdesk.getByTestId('visit').count()).resolves.toBe(2);
    await helpdesk.getByTestId('visit').nth(1).getByTestId('visit-status').getByText('open', { exact: true }).waitFor();
  });

  it('releases a held ticket to matching, and cancels another', async () => {
    await workspace('held-to-release');
    await helpdesk.getByTestId('ticket-status').getByText('on-hold').waitFor();
    const flags = helpdesk.getByTestId('flags');
    await flags.getByText('Payment unknown').waitFor();
    await flags.getByRole('button', { name: 'Release or cancel' }).click();
    const resolve = dialog('Resolve the flag');
    await expect(resolve.getByRole('combobox', { name: 'Outcome' }).inputValue()).resolves.toBe('Paid: release the ticket to matching');
    await resolve.getByLabel("Note (kept in the ticket's history)").fill('Card payment confirmed on the phone');
    await axe(helpdesk, 'release a held ticket');
    await screenshotWithoutMessages(helpdesk, 'helpdesk-release-held');
    await resolve.getByRole('button', { name: 'Release the ticket' }).click();
    await resolve.waitFor({ state: 'detached' });
    await helpdesk.getByText('Flag resolved; the ticket is open.').waitFor();
    await helpdesk.getByTestId('ticket-status').getByText('open', { exact: true }).waitFor();
    await flags.waitFor({ state: 'detached' });
    await visitStatus().getByText('open', { exact: true }).waitFor();

    await workspace('held-to-cancel');
    await flags.getByRole('button', { name: 'Release or cancel' }).click();
    await resolve.getByRole('combobox', { name: 'Outcome' }).click();
    await helpdesk.getByRole('option', { name: 'Cancel the ticket' }).click();
    await resolve.getByLabel("Note (kept in the ticket's history)").fill('The customer cancelled the subscription');
    await resolve.getByRole('button', { name: 'Cancel the ticket' }).click();
    await resolve.waitFor({ state: 'detached' });
    await helpdesk.getByTestId('ticket-status').getByText('cancelled').waitFor();
    await flags.waitFor({ state: 'detached' });
  });

  it('sends a parked message again: a bad number is refused, a corrected one goes out', async () => {
    // The customer's on-the-way text could not go: no phone number on it.
    await sys.services.outbox.enqueue({
      causedBy: 'test:no-number',
      channel: 'sms',
      to: '',
      template: 'expert-on-the-way',
      params: { customerName: 'Casey Customer', expertName: 'Eli Expert', eta: at(6, '09:00'), ticketId: moving.ticketId },
      ticketId: moving.ticketId,
      recipient: { kind: 'customer', id: 'cust-test' },
    });
    await workspace(moving.ticketId);
    await helpdesk.getByRole('tab', { name: /^Messages/ }).click();
    const retryButton = helpdesk.getByRole('button', { name: 'Retry the expert-on-the-way message' });
    const parked = helpdesk.getByRole('row').filter({ has: retryButton });
    await parked.getByText('parked').waitFor();
    await parked.getByTestId('why-parked').getByText('no phone number to send to').waitFor();
    await expect(parked.count()).resolves.toBe(1);

    await retryButton.click();
    const retry = dialog('Send the message again');
    await retry.getByText('The expert-on-the-way text message with no number could not be delivered: no phone number to send to.').waitFor();
    await retry.getByLabel('Phone number').fill('555-0100');
    await retry.getByRole('button', { name: 'Send again' }).click();
    await retry.getByRole('alert').getByText(/"to" must be an E\.164 phone number such as \+15550100 for a sms message\./).waitFor();
    await axe(helpdesk, 'send a message again (refused)');
    await screenshotWithoutMessages(helpdesk, 'helpdesk-retry-message');
    await helpdesk.keyboard.press('Escape');
    await retry.waitFor({ state: 'detached' });
    await parked.getByText('parked').waitFor();

    await retryButton.click();
    await retry.getByLabel('Phone number').fill('+15550100123');
    await retry.getByRole('button', { name: 'Send again' }).click();
    await retry.waitFor({ state: 'detached' });
    await helpdesk.getByText('Message queued again for +15550100123.').waitFor();
    const requeued = helpdesk.getByRole('row').filter({ hasText: 'sms +15550100123' });
    await requeued.getByText('pending').waitFor();
    await expect(retryButton.count()).resolves.toBe(0);

    // The dispatcher delivers it: sent, to the corrected number.
    await sys.dispatcher.dispatchDue(sys.clock.now);
    await helpdesk.reload();
    await helpdesk.getByRole('tab', { name: /^Messages/ }).click();
    await requeued.getByText('sent', { exact: true }).waitFor();
  });
});
