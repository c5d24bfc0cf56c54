import { ConfigError, loadConfig } from '../config';

describe('loadConfig', () => {
  it('defaults to the embedded stores', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, DATA_DIR: './data', SQLITE_SYNCHRONOUS: 'FULL', PROCESS_ROLE: 'all' });
    expect(config.EVENTSTORE_URL).toBeUndefined();
  });

  it('reads and coerces values; empty strings mean unset', () => {
    const config = loadConfig({ PORT: '8080', EVENTSTORE_URL: 'esdb://es:2113?tls=false', MONGO_URL: '' });
    expect(config.PORT).toBe(8080);
    expect(config.EVENTSTORE_URL).toBe('esdb://es:2113?tls=false');
    expect(config.MONGO_URL).toBeUndefined();
  });

  it('bounds saga lag for readiness (READY_MAX_SAGA_LAG), a whole number of events', () => {
    expect(loadConfig({}).READY_MAX_SAGA_LAG).toBe(1000);
    expect(loadConfig({ READY_MAX_SAGA_LAG: '250' }).READY_MAX_SAGA_LAG).toBe(250);
    expect(() => loadConfig({ READY_MAX_SAGA_LAG: '-1' })).toThrow(/READY_MAX_SAGA_LAG="-1"/);
    expect(() => loadConfig({ READY_MAX_SAGA_LAG: 'lots' })).toThrow(/READY_MAX_SAGA_LAG="lots"/);
  });

  it('reads SEED_DEMO as true or false (default true)', () => {
    expect(loadConfig({}).SEED_DEMO).toBe(true);
    expect(loadConfig({ SEED_DEMO: 'false' }).SEED_DEMO).toBe(false);
    expect(() => loadConfig({ SEED_DEMO: 'no' })).toThrow(/SEED_DEMO="no"/);
  });

  it('takes the first admin (BOOTSTRAP_ADMIN_EMAIL and _PASSWORD) together or not at all', () => {
    expect(loadConfig({ BOOTSTRAP_ADMIN_EMAIL: ' Ops@Example.com ', BOOTSTRAP_ADMIN_PASSWORD: 'long enough pass' })).toMatchObject({ BOOTSTRAP_ADMIN_EMAIL: 'ops@example.com' });
    expect(() => loadConfig({ BOOTSTRAP_ADMIN_EMAIL: 'ops@example.com' })).toThrow(/BOOTSTRAP_ADMIN_PASSWORD="": set BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD together/);
    expect(() => loadConfig({ BOOTSTRAP_ADMIN_PASSWORD: 'long enough pass' })).toThrow(/BOOTSTRAP_ADMIN_EMAIL="": set/);
    expect(() => loadConfig({ BOOTSTRAP_ADMIN_EMAIL: 'ops@example.com', BOOTSTRAP_ADMIN_PASSWORD: 'short' })).toThrow(/BOOTSTRAP_ADMIN_PASSWORD=\(5 characters, hidden\): at least 10 characters/);
    expect(() => loadConfig({ JWT_SECRET: 'too-short-secret' })).toThrow(/JWT_SECRET=\(16 characters, hidden\): use at least 32/);
  });

  it('trusts no proxy unless TRUST_PROXY names them (a hop count, addresses, subnets or loopback…), never every one', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::1' }).TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8', 'fd00::1']);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY="true": .*any client/);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.internal' })).toThrow(/TRUST_PROXY="proxy.internal"/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY="10.0.0.0\/33"/);
  });

  it('names every bad variable and its value', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', EVENTSTORE_URL: 'http://nope', SQLITE_SYNCHRONOUS: 'OFF' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT="eighty"/);
    expect(message).toMatch(/EVENTSTORE_URL="http:\/\/nope": must be an esdb/);
    expect(message).toMatch(/SQLITE_SYNCHRONOUS="OFF"/);
  });
});
