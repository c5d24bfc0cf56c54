import { Writable } from 'node:stream';
import pino from 'pino';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { chooseChannels, ChannelConfig, DEV_OUTBOX, DevOutboxChannel, DevOutboxEntry, listDevOutbox, recordedChannels } from '../dev-outbox';
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
    const channels = chooseChannels(none, documents, logger);
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
    const channels = chooseChannels({ TWILIO_ACCOUNT_SID: twilioConfig.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: twilioConfig.TWILIO_AUTH_TOKEN, SENDGRID_API_KEY: 'SG.key' }, documents, logger);
    expect(channels.sms).toBeInstanceOf(DevOutboxChannel);
    expect(channels.email).toBeInstanceOf(DevOutboxChannel);
    expect(lines.filter((l) => l.level === 40).map((l) => l.missing)).toEqual([['TWILIO_FROM'], ['SENDGRID_FROM']]);
    expect(recordedChannels({ ...twilioConfig, SENDGRID_API_KEY: 'SG.key' })).toEqual(['email']);
    expect(recordedChannels({ ...twilioConfig, ...sendgridConfig })).toEqual([]);
  });

  it('with full credentials the real providers are used (real SDK clients, no network)', () => {
    const { logger, lines } = bufferLogger();
    const channels = chooseChannels({ ...twilioConfig, ...sendgridConfig }, documents, logger);
    expect(channels.sms).toBeInstanceOf(TwilioSmsChannel);
    expect(channels.email).toBeInstanceOf(SendGridEmailChannel);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    expect(lines.map((l) => l.msg)).toEqual(['SMS: sent through Twilio', 'E-mail: sent through SendGrid']);
  });

  it('the configured providers receive the credentials and the sender', async () => {
    const { logger } = bufferLogger();
    const seen: string[] = [];
    const mails: SendGridMail[] = [];
    const channels = chooseChannels({ ...twilioConfig, ...sendgridConfig }, documents, logger, {
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

  it('the dev outbox records every message with its context, once per outbox message', async () => {
    let now = new Date('2026-03-02T08:00:00.000Z');
    const sms = new DevOutboxChannel(documents, 'sms', () => now);
    const email = new DevOutboxChannel(documents, 'email', () => now);
    const context = { messageId: 'n1', template: 'visit-scheduled' as const, ticketId: 't1', visitId: 'v1', recipient: { kind: 'customer' as const, id: 'c1' } };
    const first = await sms.deliver({ to: '+15550100', body: 'your visit', context });
    now = new Date('2026-03-02T08:01:00.000Z');
    expect(await sms.deliver({ to: '+15550100', body: 'your visit', context })).toEqual(first); // a re-delivery
    await email.deliver({ to: 'h@example.com', subject: 'Hi', body: 'no context' });

    const all = await documents.collection<DevOutboxEntry>(DEV_OUTBOX).find({}, { sort: { recordedAt: 1 } });
    expect(all).toHaveLength(2);
    expect(all.find((e) => e.channel === 'sms')).toEqual({
      _id: 'sms:n1',
      channel: 'sms',
      to: '+15550100',
      subject: null,
      body: 'your visit',
      template: 'visit-scheduled',
      messageId: 'n1',
      ticketId: 't1',
      visitId: 'v1',
      recipient: { kind: 'customer', id: 'c1' },
      recordedAt: '2026-03-02T08:01:00.000Z',
    });
    expect((await listDevOutbox(documents, { ticketId: 't1' })).map((e) => e._id)).toEqual(['sms:n1']);
    expect((await listDevOutbox(documents, { channel: 'email' }))[0]).toMatchObject({ to: 'h@example.com', subject: 'Hi', template: null });
    expect(await listDevOutbox(documents)).toHaveLength(2);
  });
});
