import { EventStore, Position, START } from './port';

/**
 * The position of the last event recorded at or before `time` (START if none): what the store
 * held at that moment. Positions follow commit order, so the scan stops at the first later event.
 */
export async function positionAt(store: EventStore, time: Date): Promise<Position> {
  const limit = time.getTime();
  let position = START;
  for (;;) {
    const page = await store.readAll({ fromPosition: position, maxCount: 5000 });
    if (page.length === 0) return position;
    for (const event of page) {
      if (Date.parse(event.recordedAt) > limit) return position;
      position = event.position;
    }
  }
}
