/**
 * The expert's last synced schedule, visits, tickets and articles, kept in IndexedDB: restored
 * into the query cache when the app opens (offline, it is what the expert sees; online, it shows
 * at once while fresh answers come), saved again after each answer. Per user; removed at log-out.
 */
import { dehydrate, hydrate, Query, QueryClient } from '@tanstack/react-query';
import { offlineDb } from './db';

/** The queries kept offline, by their key's first part. */
const KEPT = new Set(['visits', 'ticket', 'suggested-articles', 'article', 'catalog-model', 'web-app-config']);
/** How long saved answers are worth showing: a schedule older than this is no help. */
const MAX_AGE_MS = 7 * 24 * 3600_000;
const SAVE_DELAY_MS = 300;
/** The saved format: bumped when what is saved changes shape, so older copies are not restored. */
const BUILD = 'v1';

function kept(query: Query): boolean {
  return query.state.status === 'success' && KEPT.has(String(query.queryKey[0]));
}

/** Kept queries stay in memory as long as they are kept on disk (not the default 5 minutes). */
export function keepQueriesLonger(queries: QueryClient): void {
  for (const first of KEPT) queries.setQueryDefaults([first], { gcTime: MAX_AGE_MS });
}

/** Restores what was saved for the user (nothing when there is none, or it is too old). */
export async function restoreQueries(queries: QueryClient, userId: string): Promise<void> {
  try {
    const saved = await (await offlineDb()).get('queries', userId);
    if (!saved || saved.build !== BUILD || Date.now() - saved.savedAt > MAX_AGE_MS) return;
    hydrate(queries, saved.state);
  } catch {
    // A browser without IndexedDB (or a damaged copy): the app still works online.
  }
}

/** Saves the kept queries after every answer (a little after, once for a burst); returns the stop. */
export function persistQueries(queries: QueryClient, userId: string): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = () => {
    const state = dehydrate(queries, { shouldDehydrateQuery: kept, shouldDehydrateMutation: () => false });
    void offlineDb()
      .then((db) => db.put('queries', { userId, savedAt: Date.now(), build: BUILD, state }))
      .catch(() => undefined);
  };
  const unsubscribe = queries.getQueryCache().subscribe((event) => {
    if (event.type !== 'updated' || event.action.type !== 'success' || !kept(event.query)) return;
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_DELAY_MS);
  });
  return () => {
    clearTimeout(timer);
    unsubscribe();
  };
}

/** At log-out: nothing of the user's day stays on the device (their unsent commands do, for their next login). */
export async function forgetQueries(userId: string): Promise<void> {
  await (await offlineDb()).delete('queries', userId).catch(() => undefined);
}
