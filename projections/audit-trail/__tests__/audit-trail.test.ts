import { SpecEvent, specifyProjection } from '../../../testing/projection-specification';
import { AUDIT_TRAIL, AuditEntry, auditTrailProjection, redact } from '../projection';

const spec = specifyProjection(auditTrailProjection);
const metadata = { correlationId: 'req-1', causationId: 'cmd-1', actor: { userId: 'admin-1', role: 'admin' }, timestamp: '2026-03-01T10:00:00.000Z' };
const event = (stream: string, type: string, data: unknown): SpecEvent => ({ stream, type, data, metadata });

describe('audit trail read model', () => {
  it('records every event of a stream in order, with who, when and why, and never a secret', () =>
    spec
      .given(event('user-u1', 'UserRegistered', { userId: 'u1', email: 'a@b.c', passwordHash: '$scrypt$abc', role: 'customer' }))
      .when(event('user-u1', 'UserDisabled', { userId: 'u1', reason: 'fraud' }), event('customer-c1', 'PaymentMethodSet', { customerId: 'c1', gatewayToken: 'tok_1', last4: '4242' }))
      .then((documents) => {
        const trail = documents[AUDIT_TRAIL] as AuditEntry[];
        const history = trail.filter((e) => e.stream === 'user-u1').sort((a, b) => a.revision - b.revision);
        expect(history.map((e) => [e.type, e.revision, e.position, e.category, e.entityId, e.at, e.actor.userId, e.correlationId, e.causationId])).toEqual([
          ['UserRegistered', 0, 1, 'user', 'u1', metadata.timestamp, 'admin-1', 'req-1', 'cmd-1'],
          ['UserDisabled', 1, 2, 'user', 'u1', metadata.timestamp, 'admin-1', 'req-1', 'cmd-1'],
        ]);
        expect(history[0]!.data).toEqual({ userId: 'u1', email: 'a@b.c', passwordHash: '[redacted]', role: 'customer' });
        expect(trail).toHaveLength(3);
        expect(JSON.stringify(trail)).not.toMatch(/scrypt|tok_1/);
      }));

  it('redacts nested secrets and leaves everything else as it was', () => {
    expect(redact({ a: [{ passwordHash: 'x', keep: 1 }], b: null, gatewayToken: 't' })).toEqual({ a: [{ passwordHash: '[redacted]', keep: 1 }], b: null, gatewayToken: '[redacted]' });
  });
});
