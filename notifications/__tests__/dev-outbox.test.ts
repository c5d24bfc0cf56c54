import { Writable } from 'node:stream';
import pino from 'pino';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { MessageChannel } from '../channels';
import { chooseChannels, ChannelConfig, DevOutboxChannel, listDevOutbox, recordedChannels } from '../dev-outbox';
import { OutboxDispatcher } from '../dispatcher';
import { MessageRequest } from '../outbox';
import { DocumentOutbox } from '../outbox-store';
import { SendGridEmailChannel, SendGridMail } from '../sendgrid';
import { TwilioSmsChannel } from '../twilio';

function bufferLogger() {
  const lines: { level: number; msg: string; [field: string]: unknown }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const twilioConfig = { TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 't'.repeat(32), TWILIO_FROM: '+15550100' };
const sendgridConfig = { SENDGRID_API_KEY: 'SG.key', SENDGRID_FROM: 'noreply@sysops.example.com' };
const none: ChannelConfig = {};

describe('development outbox and channel choice', () => {
  let documents: EmbeddedDocumentStore;
  beforeEach(() => {
    documents = new EmbeddedDocumentStore({ path: ':memory:' });
  });
  afterEach(() => documents.close());

  it('without credentials both channels record to the dev outbox, and say so at start-up (a notice, not a warning)', () => {
    const { logger, lines } = bufferLogger();
    const channels = chooseChannels(none, logger);
    expect(channels.sms).toBeInstanceOf(DevOutboxChannel);
    expect(channels.email).toBeInstanceOf(DevOutboxChannel);
    expect(channels.sms.channel).toBe('sms');
    expect(channels.email.channel).toBe('email');
    expect(recordedChannels(none)).toEqual(['sms', 'email']);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    const notices = lines.filter((l) => l.level === 30);
    expect(notices.map((w) => w.msg)).toEqual([
      'SMS: development outbox (TWILIO_* not set) — messages are recorded, not sent, see /notifications/dev-outbox',
      'E-mail: development outbox (SENDGRID_* not set) — messages are recorded, not sent, see /notifications/dev-outbox',
    ]);
    expect(notices[0]).toMatchObject({ missing: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'] });
  });

  it('a partial configuration is not enough, and the warning names what is missing', () => {
    const { logger, lines } = bufferLogger();
    const channels = chooseChannels({ TWILIO_ACCOUNT_SID: twilioConfig.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: twilioConfig.TWILIO_AUTH_TOKEN, SENDGRID_API_KEY: 'SG.key' }, logger);
    expect(channels.sms).toBeInstanceOf(DevOutboxChannel);
    expect(channels.email).toBeInstanceOf(DevOutboxChannel);
    expect(lines.filter((l) => l.level === 40).map((l) => l.missing)).toEqual([['TWILIO_FROM'], ['SENDGRID_FROM']]);
    expect(recordedChannels({ ...twilioConfig, SENDGRID_API_KEY: 'SG.key' })).toEqual(['email']);
    expect(recordedChannels({ ...twilioConfig, ...sendgridConfig })).toEqual([]);
  });

  it('with full credentials the real providers are used (real SDK clients, no network)', () => {
    const { logger, lines } = bufferLogger();
    const channels = chooseChannels({ ...twilioConfig, ...sendgridConfig }, logger);
    expect(channels.sms).toBeInstanceOf(TwilioSmsChannel);
    expect(channels.email).toBeInstanceOf(SendGridEmailChannel);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    expect(lines.map((l) => l.msg)).toEqual(['SMS: sent through Twilio', 'E-mail: sent through SendGrid']);
  });

  it('the configured providers receive the credentials and the sender', async () => {
    const { logger } = bufferLogger();
    const seen: string[] = [];
    const mails: SendGridMail[] = [];
    const channels = chooseChannels({ ...twilioConfig, ...sendgridConfig }, logger, {
      twilio: (sid, token) => {
        seen.push(`${sid}/${token}`);
        return { messages: { create: async (p) => ({ sid: `SM-${p.from}-${p.to}` }) } };
      },
      sendgrid: (key) => {
        seen.push(key);
        return {
          send: async (mail) => {
            mails.push(mail);
            return [{ statusCode: 202, headers: { 'x-message-id': 'm1' } }, {}];
          },
        };
      },
    });
    expect(seen).toEqual([`${twilioConfig.TWILIO_ACCOUNT_SID}/${twilioConfig.TWILIO_AUTH_TOKEN}`, 'SG.key']);
    expect(await channels.sms.deliver({ to: '+15550199', body: 'x' })).toEqual({ providerMessageId: 'SM-+15550100-+15550199' });
    expect(await channels.email.deliver({ to: 'd@example.com', subject: 's', body: 'b' })).toEqual({ providerMessageId: 'm1' });
    expect(mails[0]).toMatchObject({ from: 'noreply@sysops.example.com' });
  });

  it('the dev outbox lists every message it received, with its context, once per outbox message', async () => {
    let now = new Date('2026-03-02T08:00:00.000Z');
    const outbox = new DocumentOutbox(documents, { helpdeskEmail: 'helpdesk@sysops.example.com', clock: () => now });
    await outbox.ensureIndexes();
    const onTheWay = (causedBy: string, channel: 'sms' | 'email', to: string, ticketId: string): MessageRequest => ({
      causedBy,
      channel,
      to,
      template: 'expert-on-the-way',
      params: { customerName: 'Dana Scully', expertName: 'Sam Ortiz', eta: '2026-03-02T09:00:00.000Z', ticketId },
      ticketId,
      visitId: `v-${ticketId}`,
      recipient: { kind: 'customer', id: 'c1' },
    });
    const dev = { sms: new DevOutboxChannel('sms'), email: new DevOutboxChannel('email') };
    const dispatcher = new OutboxDispatcher(outbox, dev, { maxAttempts: 3, clock: () => now });
    await outbox.enqueue(onTheWay('e1', 'sms', '+15550100', 't1'));
    expect(await dispatcher.dispatchDue(now)).toEqual({ sent: 1, retried: 0, parked: 0 });
    now = new Date('2026-03-02T08:00:30.000Z');
    await outbox.enqueue(onTheWay('e2', 'email', 'dana@example.com', 't2'));
    expect(await dispatcher.dispatchDue(now)).toEqual({ sent: 1, retried: 0, parked: 0 });

    // A message a real provider sent is not the development outbox's.
    now = new Date('2026-03-02T08:01:00.000Z');
    await outbox.enqueue(onTheWay('e3', 'sms', '+15550100', 't1'));
    const twilio: MessageChannel = { name: 'twilio', channel: 'sms', deliver: async () => ({ providerMessageId: 'SM1' }) };
    await new OutboxDispatcher(outbox, { ...dev, sms: twilio }, { maxAttempts: 3 }).dispatchDue(now);

    const all = await listDevOutbox(documents);
    expect(all.map((e) => [e.channel, e.to, e.ticketId])).toEqual([
      ['email', 'dana@example.com', 't2'],
      ['sms', '+15550100', 't1'],
    ]);
    const [sms] = await listDevOutbox(documents, { ticketId: 't1' });
    const [message] = await outbox.listByTicket('t1');
    expect(sms).toEqual({
      _id: `sms:${message!._id}`,
      channel: 'sms',
      to: '+15550100',
      subject: null,
      body: message!.body,
      template: 'expert-on-the-way',
      messageId: message!._id,
      ticketId: 't1',
      visitId: 'v-t1',
      recipient: { kind: 'customer', id: 'c1' },
      recordedAt: '2026-03-02T08:00:00.000Z',
    });
    expect(sms!.body).toContain('Sam is on the way');
    expect((await listDevOutbox(documents, { channel: 'email' }))[0]).toMatchObject({ to: 'dana@example.com', subject: expect.any(String) });
    expect((await listDevOutbox(documents, { to: 'dana@example.com' })).map((e) => e.ticketId)).toEqual(['t2']);
    expect(await listDevOutbox(documents, { limit: 1 })).toHaveLength(1);
    // Through the listings' indexes, made by the first listing.
    expect((await documents.explain(() => listDevOutbox(documents))).plans).toEqual(['index by_provider in sort order']);
    expect((await documents.explain(() => listDevOutbox(documents, { to: 'dana@example.com' }))).plans).toEqual(['index by_to in sort order']);

    // Delivered again (at least once): the same provider id, so still one record.
    const context = { messageId: message!._id, template: 'expert-on-the-way' as const };
    expect(await dev.sms.deliver({ to: '+15550100', body: 'b', context })).toEqual(await dev.sms.deliver({ to: '+15550100', body: 'b', context }));
  });

  it("the copies the development outbox kept before are dropped at start-up; others' collections stay", async () => {
    await documents.collection('dev_outbox').insertOne({ _id: 'sms:n1', body: 'an old copy' });
    await documents.collection('kept').insertOne({ _id: 'k' });
    await new DocumentOutbox(documents, { helpdeskEmail: 'helpdesk@sysops.example.com' }).ensureIndexes();
    expect((await documents.listCollections()).sort()).toEqual(['kept', 'notifications']);
  });

  it('a message without an outbox message behind it is refused, for good: there would be nothing to show', async () => {
    await expect(new DevOutboxChannel('email').deliver({ to: 'h@example.com', subject: 'Hi', body: 'no context' })).rejects.toMatchObject({ name: 'DeliveryError', kind: 'permanent' });
  });
});
