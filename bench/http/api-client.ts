/** JSON over HTTP to the API, with the time each answer took. */
export interface Answer<T = any> {
  status: number;
  body: T;
  ms: number;
}

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async call<T = any>(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer<T>> {
    const started = performance.now();
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: body as T, ms: performance.now() - started };
  }

  /** An access token, or an error naming the login and the answer. */
  async login(email: string, password: string): Promise<string> {
    return (await this.signIn(email, password)).token;
  }

  /** An access token and who it is for (the expert or customer the login is linked to). */
  async signIn(email: string, password: string): Promise<{ token: string; refreshToken: string; user: { expertId?: string; customerId?: string } }> {
    const answer = await this.call<{ accessToken?: string; refreshToken?: string; user?: { expertId?: string; customerId?: string } }>('POST', '/auth/login', { body: { email, password } });
    if (answer.status !== 200 || !answer.body?.accessToken || !answer.body.refreshToken) throw new Error(`login as ${email} failed: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
    return { token: answer.body.accessToken, refreshToken: answer.body.refreshToken, user: answer.body.user ?? {} };
  }
}

/** Runs `each` over `items`, `width` at a time, in order of the items. */
export async function inBatches<T, R>(items: readonly T[], width: number, each: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) results.push(...(await Promise.all(items.slice(i, i + width).map(each))));
  return results;
}
