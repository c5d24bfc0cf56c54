import { DocumentStore } from '../document-store/port';
import { EventStore } from '../event-store/port';
import { Projection } from '../projections/projection';
import { rebuild, switchTo } from '../projections/rebuild';
import { physicalName } from '../projections/registry';
import { withProgress } from './progress';

/**
 * Rebuilds a read model from the event store into fresh collections with a progress bar, then
 * switches readers to them and drops the build it replaces (`npm run replay`, `npm run restore`).
 */
export async function replaceReadModel(eventStore: EventStore, documents: DocumentStore, projection: Projection, maxAttempts: number): Promise<void> {
  const head = await eventStore.headPosition();
  const result = await withProgress(projection.name, head, 'events', (onProgress) =>
    rebuild(eventStore, documents, projection, 'rebuild', { onProgress, maxAttempts }),
  );
  const old = await switchTo(documents, projection, result.target, new Date());
  console.log(
    `${projection.name}: rebuilt to position ${result.position}${result.resumedFrom ? ` (resumed from ${result.resumedFrom})` : ''}` +
      `${result.discarded ? ` (an interrupted rebuild that did not fit the event store was started over: ${result.discarded.detail})` : ''}; ` +
      `readers now use ${collectionNames(projection, result.target.suffix)}${old ? `; dropped ${old.suffix}` : ''}`,
  );
}

export function collectionNames(projection: Projection, suffix: string): string {
  return Object.keys(projection.collections).map((logical) => physicalName(logical, suffix)).join(', ');
}
