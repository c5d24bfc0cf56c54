/**
 * Stream naming, in one place: `<category>-<id>`, as EventStoreDB's by-category projection
 * expects (the category is everything before the first dash).
 */
export const StreamCategory = {
  ticket: 'ticket',
  visit: 'visit',
  expert: 'expert',
  customer: 'customer',
  invoice: 'invoice',
  catalog: 'catalog',
  article: 'article',
  user: 'user',
  priceList: 'pricelist',
} as const;

export type StreamCategory = (typeof StreamCategory)[keyof typeof StreamCategory];

export function streamName(category: StreamCategory, id: string): string {
  if (!id) throw new Error(`empty id for a ${category} stream`);
  return `${category}-${id}`;
}

export function parseStreamName(stream: string): { category: string; id: string } {
  const dash = stream.indexOf('-');
  if (dash <= 0) return { category: stream, id: '' };
  return { category: stream.slice(0, dash), id: stream.slice(dash + 1) };
}

/** Prefix for a subscription filter that selects one category's streams. */
export function categoryPrefix(category: StreamCategory): string {
  return `${category}-`;
}
