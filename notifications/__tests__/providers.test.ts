import ResponseError from '@sendgrid/helpers/classes/response-error';
import twilio from 'twilio';
import { DeliveryError } from '../channels';
import { classifySendGridError, SendGridEmailChannel, SendGridMail, SendGridMailClient, textToHtml } from '../sendgrid';
import { classifyTwilioError, TwilioMessagesClient, TwilioSmsChannel } from '../twilio';

/** What the Twilio SDK rejects with for an HTTP error answer. */
function twilioError(status: number, code?: number, message = 'failed'): Error {
  const body = code === undefined ? 'not json' : JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
  return new twilio.RestException({ statusCode: status, body });
}

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} api.example.com`), { code });
}

class FakeTwilio implements TwilioMessagesClient {
  readonly calls: { to: string; from: string; body: string }[] = [];
  failWith: unknown = null;
  messages = {
    create: async (params: { to: string; from: string; body: string }) => {
      this.calls.push(params);
      if (this.failWith) throw this.failWith;
      return { sid: `SM${this.calls.length.toString().padStart(32, '0')}` };
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DeliveryError);
    return error as DeliveryError;
  }
  throw new Error('expected a failure');
}

describe('Twilio SMS channel', () => {
  it('sends through messages.create from the configured number and returns the message SID', async () => {
    const client = new FakeTwilio();
    const channel = new TwilioSmsChannel(client, '+15550100');
    expect(await channel.deliver({ to: '+15550199', body: 'hello' })).toEqual({ providerMessageId: `SM${'1'.padStart(32, '0')}` });
    expect(client.calls).toEqual([{ to: '+15550199', from: '+15550100', body: 'hello' }]);
    expect(channel).toMatchObject({ name: 'twilio', channel: 'sms' });
    await channel.deliver({ to: '+1 (555) 010-0142', body: 'typed with separators' });
    expect(client.calls[1]!.to).toBe('+15550100142');
  });

  it.each([
    [400, 21211, 'invalid To number'],
    [400, 21614, 'not a mobile number'],
    [400, 21610, 'recipient unsubscribed'],
    [400, 21408, 'region not enabled'],
    [404, 20404, 'not found'],
  ])('HTTP %i code %i (%s) is permanent', async (status, code, message) => {
    const client = new FakeTwilio();
    client.failWith = twilioError(status, code, message);
    const error = await failure(new TwilioSmsChannel(client, '+15550100').deliver({ to: '+1555', body: 'x' }));
    expect(error.kind).toBe('permanent');
    expect(error.details).toMatchObject({ provider: 'twilio', status, code: String(code) });
    expect(error.message).toBe(message);
  });

  it('rejected credentials are permanent and flagged as misconfiguration', () => {
    expect(classifyTwilioError(twilioError(401, 20003, 'Authenticate'))).toMatchObject({ kind: 'permanent', details: { misconfiguration: true } });
    expect(classifyTwilioError(twilioError(400, 21211))).toMatchObject({ kind: 'permanent', details: { misconfiguration: false } });
  });

  it.each([
    ['429 too many requests', twilioError(429, 20429)],
    ['500', twilioError(500)],
    ['503 without a body', twilioError(503)],
    ['a reset connection', networkError('ECONNRESET')],
    ['a timeout', networkError('ETIMEDOUT')],
    ['an unexpected error', new Error('socket hang up')],
  ])('%s is transient', async (_label, thrown) => {
    const client = new FakeTwilio();
    client.failWith = thrown;
    const error = await failure(new TwilioSmsChannel(client, '+15550100').deliver({ to: '+15550199', body: 'x' }));
    expect(error.kind).toBe('transient');
    expect(error.cause).toBe(thrown);
  });

  it('builds the real client from credentials without touching the network', () => {
    const channel = TwilioSmsChannel.fromCredentials(`AC${'0'.repeat(32)}`, 'x'.repeat(32), '+15550100');
    expect(channel).toBeInstanceOf(TwilioSmsChannel);
  });
});

class FakeSendGrid implements SendGridMailClient {
  readonly calls: SendGridMail[] = [];
  failWith: unknown = null;
  async send(data: SendGridMail): Promise<[{ statusCode: number; headers: unknown }, unknown]> {
    this.calls.push(data);
    if (this.failWith) throw this.failWith;
    return [{ statusCode: 202, headers: { 'x-message-id': `msg-${this.calls.length}` } }, {}];
  }
}

/** The SDK's ResponseError is built from the HTTP response (its typings omit the constructor). */
const SendGridResponseError = ResponseError as unknown as new (response: { status: number; statusText: string; headers: Record<string, string>; data: unknown }) => ResponseError;

function sendGridError(status: number, body: unknown = '', headers: Record<string, string> = {}): ResponseError {
  return new SendGridResponseError({ status, statusText: `HTTP ${status}`, headers, data: body });
}

describe('SendGrid e-mail channel', () => {
  it('sends text and derived HTML from the configured sender and returns the x-message-id', async () => {
    const client = new FakeSendGrid();
    const channel = new SendGridEmailChannel(client, 'noreply@sysops.example.com');
    const result = await channel.deliver({ to: 'dana@example.com', subject: 'Hi', body: 'Line <1>\nhttps://x.example.com/survey/abc' });
    expect(result).toEqual({ providerMessageId: 'msg-1' });
    expect(client.calls[0]).toMatchObject({ to: 'dana@example.com', from: 'noreply@sysops.example.com', subject: 'Hi', text: 'Line <1>\nhttps://x.example.com/survey/abc' });
    expect(client.calls[0]!.html).toContain('Line &lt;1&gt;<br>');
    expect(client.calls[0]!.html).toContain('<a href="https://x.example.com/survey/abc">');
  });

  it('an e-mail without a subject is refused as permanent', async () => {
    const error = await failure(new SendGridEmailChannel(new FakeSendGrid(), 'a@b.example').deliver({ to: 'x@y.example', body: 'x' }));
    expect(error.kind).toBe('permanent');
  });

  it('400 (bad address) is permanent, with SendGrid’s own explanation', async () => {
    const client = new FakeSendGrid();
    client.failWith = sendGridError(400, { errors: [{ message: 'Does not contain a valid address.', field: 'personalizations.0.to.0.email' }] });
    const error = await failure(new SendGridEmailChannel(client, 'a@b.example').deliver({ to: 'nope', subject: 's', body: 'b' }));
    expect(error).toMatchObject({ kind: 'permanent', details: { provider: 'sendgrid', status: 400, misconfiguration: false } });
    expect(error.message).toBe('Does not contain a valid address. (personalizations.0.to.0.email)');
  });

  it.each([401, 403])('%i (credentials, unverified sender) is permanent misconfiguration', (status) => {
    expect(classifySendGridError(sendGridError(status))).toMatchObject({ kind: 'permanent', details: { status, misconfiguration: true } });
  });

  it('429 is transient and carries Retry-After', () => {
    expect(classifySendGridError(sendGridError(429, '', { 'retry-after': '7' }))).toMatchObject({ kind: 'transient', details: { status: 429, retryAfterMs: 7000 } });
  });

  it.each([
    ['500', sendGridError(500)],
    ['502', sendGridError(502)],
    ['408', sendGridError(408)],
    ['a refused connection', networkError('ECONNREFUSED')],
    ['an unexpected error', new TypeError('fetch failed')],
  ])('%s is transient', async (_label, thrown) => {
    const client = new FakeSendGrid();
    client.failWith = thrown;
    const error = await failure(new SendGridEmailChannel(client, 'a@b.example').deliver({ to: 'x@y.example', subject: 's', body: 'b' }));
    expect(error.kind).toBe('transient');
  });

  it('builds its own mail service from an API key without touching the network', () => {
    expect(SendGridEmailChannel.fromApiKey('SG.test-key', 'noreply@sysops.example.com')).toBeInstanceOf(SendGridEmailChannel);
  });

  it('HTML is escaped', () => {
    expect(textToHtml(`<script>"&'`)).toContain('&lt;script&gt;&quot;&amp;&#39;');
  });
});
