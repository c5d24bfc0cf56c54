import { EmbeddedDocumentStore } from '../../../document-store/embedded';
import { InMemoryEventStore } from '../../../event-store/memory';
import { rebuild } from '../../rebuild';
import { physicalName } from '../../registry';
import { AUDIT_TRAIL, AuditEntry, auditTrailProjection, redact } from '../projection';

const metadata = { correlationId: 'req-1', causationId: 'cmd-1', actor: { userId: 'admin-1', role: 'admin' }, timestamp: '2026-03-01T10:00:00.000Z' };

describe('audit trail read model', () => {
  it('records every event of a stream in order, with who, when and why, and never a secret', async () => {
    const events = new InMemoryEventStore();
    await events.appendToStream('user-u1', [
      { type: 'UserRegistered', data: { userId: 'u1', email: 'a@b.c', passwordHash: '$scrypt$abc', role: 'customer' }, metadata },
      { type: 'UserDisabled', data: { userId: 'u1', reason: 'fraud' }, metadata },
    ]);
    await events.appendToStream('customer-c1', [{ type: 'PaymentMethodSet', data: { customerId: 'c1', gatewayToken: 'tok_1', last4: '4242' }, metadata }]);
    const documents = new EmbeddedDocumentStore({ path: ':memory:' });
    const { target } = await rebuild(events, documents, auditTrailProjection, 'rebuild');
    const trail = documents.collection<AuditEntry>(physicalName(AUDIT_TRAIL, target.suffix));
    const history = await trail.find({ stream: 'user-u1' }, { sort: { revision: 1 } });
    expect(history.map((e) => [e.type, e.revision, e.category, e.entityId, e.actor.userId, e.correlationId])).toEqual([
      ['UserRegistered', 0, 'user', 'u1', 'admin-1', 'req-1'],
      ['UserDisabled', 1, 'user', 'u1', 'admin-1', 'req-1'],
    ]);
    expect(history[0]!.data).toEqual({ userId: 'u1', email: 'a@b.c', passwordHash: '[redacted]', role: 'customer' });
    expect(JSON.stringify(await trail.find({}))).not.toMatch(/scrypt|tok_1/);
    await documents.close();
  });

  it('redacts nested secrets and leaves everything else as it was', () => {
    expect(redact({ a: [{ passwordHash: 'x', keep: 1 }], b: null, gatewayToken: 't' })).toEqual({ a: [{ passwordHash: '[redacted]', keep: 1 }], b: null, gatewayToken: '[redacted]' });
  });
});
