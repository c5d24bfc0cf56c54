/**
 * A local fake of the few Stripe API endpoints the adapter uses (POST /v1/payment_intents, GET
 * /v1/payment_intents/:id, POST /v1/refunds; for saving cards POST /v1/customers, POST and GET
 * /v1/setup_intents, GET /v1/payment_methods/:id), answering as Stripe documents them, with
 * Idempotency-Key replay. Test payment methods follow Stripe's names: pm_card_visa succeeds,
 * pm_card_chargeDeclinedInsufficientFunds is declined, pm_card_processing stays processing;
 * pm_card_network closes the connection without an answer (a network error). A card saved through
 * a SetupIntent (`confirmSetup`, what Stripe.js does in the browser) is charged successfully.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

interface Intent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  customer: string | null;
  payment_method: string;
  status: string;
  metadata: Record<string, string>;
  last_payment_error: null | { code: string; decline_code?: string; message: string };
  refunded: number;
}

interface SetupIntent {
  id: string;
  object: 'setup_intent';
  client_secret: string;
  customer: string | null;
  payment_method: string | null;
  status: string;
  usage: string;
  metadata: Record<string, string>;
}

/** The card a confirmed setup saves, as Stripe describes it. */
export interface FakeCard {
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
}

interface PaymentMethod {
  id: string;
  object: 'payment_method';
  type: 'card';
  customer: string | null;
  card: FakeCard;
}

export class StripeFake {
  /** The only secret key the fake accepts. */
  static readonly SECRET_KEY = 'sk_test_local';
  private server: Server | undefined;
  readonly intents = new Map<string, Intent>();
  readonly setupIntents = new Map<string, SetupIntent>();
  readonly paymentMethods = new Map<string, PaymentMethod>();
  readonly customers = new Map<string, { id: string; object: 'customer'; name: string | null; email: string | null; metadata: Record<string, string> }>();
  private readonly replies = new Map<string, { status: number; body: unknown }>();
  /** Requests received, for assertions: method, path and the form fields. */
  readonly requests: { method: string; path: string; fields: Record<string, string>; idempotencyKey?: string; authorization?: string }[] = [];
  private seq = 0;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Charges really made: one per distinct idempotency key of a create. */
  chargesMade(): number {
    return [...this.intents.values()].length;
  }

  /** What Stripe.js's confirmCardSetup does: the card is saved to the setup's customer. */
  confirmSetup(setupId: string, card: FakeCard = { brand: 'visa', last4: '4242', exp_month: 8, exp_year: 2030 }): PaymentMethod {
    const intent = this.setupIntents.get(setupId);
    if (!intent) throw new Error(`no SetupIntent ${setupId}`);
    const method: PaymentMethod = { id: `pm_fake_${++this.seq}`, object: 'payment_method', type: 'card', customer: intent.customer, card };
    this.paymentMethods.set(method.id, method);
    intent.payment_method = method.id;
    intent.status = 'succeeded';
    return method;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const fields = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const path = (req.url ?? '').split('?')[0]!;
    const key = req.headers['idempotency-key'] as string | undefined;
    this.requests.push({ method: req.method ?? '', path, fields, ...(key ? { idempotencyKey: key } : {}), ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    if (req.headers.authorization !== `Bearer ${StripeFake.SECRET_KEY}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_****' } }));
      return;
    }
    if (fields.payment_method === 'pm_card_network') {
      req.socket.destroy();
      return;
    }
    const replayKey = key && `${req.method} ${path} ${key}`;
    const reply = (replayKey && this.replies.get(replayKey)) || this.answer(req.method ?? '', path, fields);
    if (replayKey && !this.replies.has(replayKey)) this.replies.set(replayKey, reply);
    res.writeHead(reply.status, { 'content-type': 'application/json', 'request-id': `req_${++this.seq}` });
    res.end(JSON.stringify(reply.body));
  }

  private answer(method: string, path: string, fields: Record<string, string>): { status: number; body: unknown } {
    const missing = (what: string) => ({ status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${what}` } } });
    if (method === 'POST' && path === '/v1/payment_intents') {
      const metadata = metadataOf(fields);
      const pm = fields.payment_method ?? '';
      if (!pm.startsWith('pm_card_') && !this.paymentMethods.has(pm)) return { status: 400, body: { error: { type: 'invalid_request_error', code: 'resource_missing', param: 'payment_method', message: `No such PaymentMethod: '${pm}'` } } };
      const intent: Intent = {
        id: `pi_fake_${++this.seq}`,
        object: 'payment_intent',
        amount: Number(fields.amount),
        amount_received: 0,
        currency: fields.currency ?? 'usd',
        customer: fields.customer ?? null,
        payment_method: pm,
        status: 'succeeded',
        metadata,
        last_payment_error: null,
        refunded: 0,
      };
      this.intents.set(intent.id, intent);
      if (pm === 'pm_card_chargeDeclinedInsufficientFunds') {
        intent.status = 'requires_payment_method';
        intent.last_payment_error = { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' };
        return { status: 402, body: { error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.', payment_intent: intent } } };
      }
      if (pm === 'pm_card_processing') intent.status = 'processing';
      else intent.amount_received = intent.amount;
      return { status: 200, body: intent };
    }
    const retrieve = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (method === 'GET' && retrieve) {
      const intent = this.intents.get(retrieve[1]!);
      return intent ? { status: 200, body: intent } : missing(`payment_intent: '${retrieve[1]}'`);
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const intent = this.intents.get(fields.payment_intent ?? '');
      if (!intent) return missing(`payment_intent: '${fields.payment_intent}'`);
      if (intent.status !== 'succeeded') return { status: 400, body: { error: { type: 'invalid_request_error', code: 'charge_not_captured', message: 'This PaymentIntent does not have a successful charge to refund.' } } };
      const amount = Number(fields.amount ?? intent.amount_received - intent.refunded);
      if (intent.refunded + amount > intent.amount_received) {
        return { status: 400, body: { error: { type: 'invalid_request_error', code: 'amount_too_large', message: `Refund amount ($${(amount / 100).toFixed(2)}) is greater than unrefunded amount on charge ($${((intent.amount_received - intent.refunded) / 100).toFixed(2)})` } } };
      }
      intent.refunded += amount;
      return { status: 200, body: { id: `re_fake_${++this.seq}`, object: 'refund', amount, payment_intent: intent.id, status: 'succeeded' } };
    }
    if (method === 'POST' && path === '/v1/customers') {
      const customer = { id: `cus_fake_${++this.seq}`, object: 'customer' as const, name: fields.name ?? null, email: fields.email ?? null, metadata: metadataOf(fields) };
      this.customers.set(customer.id, customer);
      return { status: 200, body: customer };
    }
    if (method === 'POST' && path === '/v1/setup_intents') {
      if (fields.customer && !this.customers.has(fields.customer)) return missing(`customer: '${fields.customer}'`);
      const id = `seti_fake_${++this.seq}`;
      const intent: SetupIntent = { id, object: 'setup_intent', client_secret: `${id}_secret_fake`, customer: fields.customer ?? null, payment_method: null, status: 'requires_payment_method', usage: fields.usage ?? 'off_session', metadata: metadataOf(fields) };
      this.setupIntents.set(id, intent);
      return { status: 200, body: intent };
    }
    const setup = /^\/v1\/setup_intents\/([^/]+)$/.exec(path);
    if (method === 'GET' && setup) {
      const intent = this.setupIntents.get(setup[1]!);
      return intent ? { status: 200, body: intent } : missing(`setupintent: '${setup[1]}'`);
    }
    const paymentMethod = /^\/v1\/payment_methods\/([^/]+)$/.exec(path);
    if (method === 'GET' && paymentMethod) {
      const found = this.paymentMethods.get(paymentMethod[1]!);
      return found ? { status: 200, body: found } : missing(`PaymentMethod: '${paymentMethod[1]}'`);
    }
    return { status: 404, body: { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path})` } } };
  }
}

function metadataOf(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).flatMap(([k, v]) => (k.startsWith('metadata[') ? [[k.slice(9, -1), v]] : [])));
}
