import { Document } from '../../document-store/port';
import { parseStreamName } from '../../event-store/streams';
import { Projection } from '../projection';

/** Events per aggregate category and day, by event type: the ops and manager activity chart. */
export interface DailyActivity extends Document {
  category: string;
  day: string;
  events: number;
  byType: Record<string, number>;
}

export const DAILY_ACTIVITY = 'daily_activity';

export const activityProjection: Projection = {
  name: 'activity',
  version: 1,
  eventTypes: '*',
  collections: { [DAILY_ACTIVITY]: [{ keys: { day: -1, category: 1 }, name: 'by_day' }] },
  async handle(event, { collection }) {
    const { category } = parseStreamName(event.stream);
    const day = event.metadata.timestamp.slice(0, 10);
    await collection<DailyActivity>(DAILY_ACTIVITY).updateOne(
      { _id: `${category}:${day}` },
      { $setOnInsert: { category, day }, $inc: { events: 1, [`byType.${event.type}`]: 1 } },
      { upsert: true },
    );
  },
};
