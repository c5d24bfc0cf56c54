import { Document } from '../../document-store/port';
import { Actor, Position } from '../../event-store/port';
import { parseStreamName } from '../../event-store/streams';
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
  actor: Actor;
  correlationId: string;
  causationId: string | null;
  data: unknown;
}

export const AUDIT_TRAIL = 'audit_trail';

export const auditTrailProjection: Projection = {
  name: 'audit-trail',
  version: 1,
  eventTypes: '*',
  collections: {
    [AUDIT_TRAIL]: [
      { keys: { stream: 1, revision: 1 }, name: 'by_stream' },
      { keys: { correlationId: 1 }, name: 'by_correlation' },
      { keys: { category: 1, at: -1 }, name: 'by_category_time' },
    ],
  },
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
        data: event.data,
      },
      { upsert: true },
    );
  },
};
