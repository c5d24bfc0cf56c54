/**
 * E-mail through SendGrid's v3 Mail Send API (`@sendgrid/mail`): `send({ to, from, subject,
 * text, html })` resolves with the HTTP response (202 Accepted) whose `x-message-id` header
 * identifies the message.
 *
 * Error mapping (the SDK rejects with a ResponseError whose `code` is the HTTP status, or with
 * a plain network error):
 * - 400 (bad address or payload), 413 (too large) and other 4xx → permanent;
 * - 401/403 (bad API key, unverified sender) → permanent and flagged as misconfiguration;
 * - 408, 429 (rate limited, honouring Retry-After / X-RateLimit-Reset) and 5xx → transient;
 * - no HTTP status: a network failure → transient.
 */
import { MailService } from '@sendgrid/mail';
import { Channel } from './outbox';
import { DeliveryError, errorMessage, field, MessageChannel, NETWORK_ERROR_CODES, OutgoingMessage } from './channels';

export interface SendGridMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html?: string;
}

/** The part of `@sendgrid/mail` this adapter uses: tests inject a fake. */
export interface SendGridMailClient {
  send(data: SendGridMail): Promise<[{ statusCode: number; headers: unknown }, unknown]>;
}

export class SendGridEmailChannel implements MessageChannel {
  readonly name = 'sendgrid';
  readonly channel: Channel = 'email';

  constructor(
    private readonly client: SendGridMailClient,
    private readonly from: string,
  ) {}

  /** A MailService of our own (not the module's shared singleton): no network until the first message. */
  static fromApiKey(apiKey: string, from: string, options: { timeoutMs?: number } = {}): SendGridEmailChannel {
    const service = new MailService();
    service.setApiKey(apiKey);
    service.setTimeout(options.timeoutMs ?? 15_000);
    return new SendGridEmailChannel(service, from);
  }

  async deliver(message: OutgoingMessage): Promise<{ providerMessageId: string }> {
    if (!message.subject) throw new DeliveryError('permanent', 'an e-mail needs a subject', { provider: 'sendgrid' });
    let response: { statusCode: number; headers: unknown };
    try {
      [response] = await this.client.send({ to: message.to, from: this.from, subject: message.subject, text: message.body, html: textToHtml(message.body) });
    } catch (error) {
      throw classifySendGridError(error);
    }
    const id = header(response.headers, 'x-message-id');
    return { providerMessageId: id ?? `sendgrid-${response.statusCode}-${Date.now().toString(36)}` };
  }
}

export function classifySendGridError(error: unknown): DeliveryError {
  const rawCode = field(error, 'code');
  const status = typeof rawCode === 'number' ? rawCode : undefined;
  const response = field(error, 'response');
  const message = describeResponseError(error, response);
  const details = { provider: 'sendgrid', ...(status !== undefined ? { status } : { ...(typeof rawCode === 'string' ? { code: rawCode } : {}) }) };

  if (status === undefined) {
    const network = typeof rawCode === 'string' && NETWORK_ERROR_CODES.has(rawCode);
    return new DeliveryError('transient', network ? `network: ${message}` : message, details, { cause: error });
  }
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = retryAfter(field(response, 'headers'));
    return new DeliveryError('transient', message, { ...details, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }, { cause: error });
  }
  const misconfiguration = status === 401 || status === 403;
  return new DeliveryError('permanent', misconfiguration ? `SendGrid rejected our credentials or sender: ${message}` : message, { ...details, misconfiguration }, { cause: error });
}

/** SendGrid's body lists `errors: [{ message, field }]`: the useful part of a 400. */
function describeResponseError(error: unknown, response: unknown): string {
  const errors = field(field(response, 'body'), 'errors');
  if (Array.isArray(errors) && errors.length > 0) {
    const parts = errors.map((e) => {
      const text = field(e, 'message');
      const at = field(e, 'field');
      return `${typeof text === 'string' ? text : 'error'}${typeof at === 'string' && at ? ` (${at})` : ''}`;
    });
    return parts.join('; ');
  }
  return errorMessage(error);
}

function header(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const get = field(headers, 'get');
  if (typeof get === 'function') {
    const value: unknown = get.call(headers, name);
    if (typeof value === 'string' && value) return value;
  }
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && (typeof value === 'string' || typeof value === 'number')) return String(value);
  }
  return undefined;
}

function retryAfter(headers: unknown): number | undefined {
  const seconds = header(headers, 'retry-after');
  if (seconds !== undefined && /^\d+$/.test(seconds)) return Number(seconds) * 1000;
  const reset = header(headers, 'x-ratelimit-reset');
  if (reset !== undefined && /^\d+$/.test(reset)) {
    const ms = Number(reset) * 1000 - Date.now();
    return ms > 0 ? ms : undefined;
  }
  return undefined;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The plain-text body as minimal HTML: escaped, links clickable, line breaks kept. */
export function textToHtml(text: string): string {
  const escaped = text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
  const linked = escaped.replace(/\bhttps?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`);
  return `<div style="font-family: sans-serif; line-height: 1.4">${linked.split('\n').join('<br>\n')}</div>`;
}
