import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDocumentStore } from '../../document-store/embedded';
import { describeGatewayConformance } from '../conformance';
import { SANDBOX_COLLECTION, SandboxGateway } from '../sandbox';
import { StripeGateway, stripeClient } from '../stripe';
import { StripeFake } from './stripe-fake';

let dir: string;
let store: EmbeddedDocumentStore;
describeGatewayConformance('sandbox (embedded)', {
  async open() {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-gateway-'));
    store = new EmbeddedDocumentStore({ path: join(dir, 'documents.db') });
    return new SandboxGateway(store, () => new Date('2026-11-30T12:00:00.000Z'));
  },
  async cards(gateway) {
    const sandbox = gateway as SandboxGateway;
    const save = async (number: string) => (await sandbox.saveCard({ number, expMonth: 12, expYear: 2029 })).gatewayToken;
    return { succeeds: await save('4242 4242 4242 4242'), insufficientFunds: await save('4000000000009995'), networkError: await save('4000-0000-0000-0119') };
  },
  async chargesMade() {
    return store.collection(SANDBOX_COLLECTION).count({ kind: 'charge' });
  },
  async cleanup() {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  },
});

const fake = new StripeFake();
describeGatewayConformance('stripe (official SDK, against a local fake of its API)', {
  async open() {
    const apiUrl = await fake.start();
    return new StripeGateway(stripeClient({ secretKey: 'sk_test_local', apiUrl, timeoutMs: 5_000 }));
  },
  async cards() {
    return { succeeds: 'cus_fake_1/pm_card_visa', insufficientFunds: 'cus_fake_1/pm_card_chargeDeclinedInsufficientFunds', networkError: 'cus_fake_1/pm_card_network' };
  },
  async chargesMade() {
    return fake.chargesMade();
  },
  cleanup: () => fake.stop(),
});
