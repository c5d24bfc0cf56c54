import { Document } from '../../document-store/port';
import { Actor } from '../../domain/decider';
import { Position } from '../../event-store/port';
import { parseStreamName, StreamCategory } from '../../event-store/streams';
import { Projection } from '../projection';

/** One document per event: the full, ordered history of any ticket, visit or expert, for audits. */
export interface AuditEntry extends Document {
  stream: string;
  category: string;
  entityId: string;
  revision: number;
  position: Position;
  type: string;
  at: string;
  actor: Actor<string>;
  correlationId: string;
  causationId: string | null;
  data: unknown;
}

export const AUDIT_TRAIL = 'audit_trail';

/** The categories of the streams a ticket's history is made of (its own and its visits'). */
export const HISTORY_CATEGORIES = [StreamCategory.ticket, StreamCategory.visit] as const;

/** Secrets some events carry (a password hash, a payment gateway token): never shown in audits. */
const SECRET_FIELDS = new Set(['passwordHash', 'gatewayToken']);

export function redact(value: unknown): unknown {
  // Almost no event carries a secret: hand those back as they are instead of copying every one
  // (a rebuild redacts hundreds of thousands of events).
  return holdsSecret(value) ? redactCopy(value) : value;
}

function holdsSecret(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(holdsSecret);
  for (const key in value as Record<string, unknown>) {
    if (SECRET_FIELDS.has(key) || holdsSecret((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

function redactCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactCopy);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, v]) => [key, SECRET_FIELDS.has(key) ? '[redacted]' : redactCopy(v)]),
  );
}

export const auditTrailProjection: Projection = {
  name: 'audit-trail',
  version: 2, // v2: secrets redacted
  eventTypes: '*',
  collections: {
    // A ticket's history is read by stream; nothing reads the trail by correlation or by category
    // and time. The trail holds a document per event: on MongoDB each index is one more write of
    // every event (the embedded store builds an index only once a query needs it, and keeps it in
    // memory). Partial: only the streams a history reads, not the experts', invoices' or customers'.
    [AUDIT_TRAIL]: [{ keys: { stream: 1, revision: 1 }, name: 'history_by_stream', partialFilterExpression: { category: { $in: [...HISTORY_CATEGORIES] } } }],
  },
  retiredIndexes: { [AUDIT_TRAIL]: ['by_correlation', 'by_category_time', 'by_stream'] },
  async handle(event, { collection }) {
    const { category, id } = parseStreamName(event.stream);
    await collection<AuditEntry>(AUDIT_TRAIL).replaceOne(
      { _id: event.id },
      {
        _id: event.id,
        stream: event.stream,
        category,
        entityId: id,
        revision: event.revision,
        position: event.position,
        type: event.type,
        at: event.metadata.timestamp,
        actor: event.metadata.actor,
        correlationId: event.metadata.correlationId,
        causationId: event.metadata.causationId,
        data: redact(event.data),
      },
      { upsert: true },
    );
  },
};
