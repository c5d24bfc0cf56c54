import { Center, Loader } from '@mantine/core';
import { onlineManager, useQueryClient } from '@tanstack/react-query';
import { createContext, ReactNode, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { session, SignedIn } from '../auth/session';
import { followConnectivity } from './connectivity';
import { Outbox } from './outbox';
import { forgetQueries, keepQueriesLonger, persistQueries, restoreQueries } from './persist';

const OutboxContext = createContext<Outbox | null>(null);

/** The signed-in expert's outbox (inside OfflineProvider). */
export function useOutbox(): Outbox {
  const outbox = useContext(OutboxContext);
  if (!outbox) throw new Error('useOutbox outside OfflineProvider');
  return outbox;
}

/** Whether the server can be reached (what queries pause on, and the outbox waits for). */
export function useOnline(): boolean {
  return useSyncExternalStore(
    (listener) => onlineManager.subscribe(listener),
    () => onlineManager.isOnline(),
  );
}

/**
 * The expert app working offline: restores the last synced answers before the pages ask for
 * them, saves them after each answer, and opens the user's outbox of commands.
 */
export function OfflineProvider({ user, children }: { user: SignedIn; children: ReactNode }) {
  const queries = useQueryClient();
  const [outbox, setOutbox] = useState<Outbox | null>(null);
  useEffect(() => {
    followConnectivity();
    keepQueriesLonger(queries);
    let cancelled = false;
    let stopSaving = () => {};
    let opened: Outbox | null = null;
    void restoreQueries(queries, user.userId).then(() => {
      if (cancelled) return;
      stopSaving = persistQueries(queries, user.userId);
      opened = new Outbox(user.userId, queries);
      setOutbox(opened);
    });
    const unsubscribe = session.subscribe((next) => {
      if (!next) void forgetQueries(user.userId);
    });
    return () => {
      cancelled = true;
      stopSaving();
      opened?.close();
      unsubscribe();
    };
  }, [queries, user.userId]);
  if (!outbox) {
    return (
      <Center h={200}>
        <Loader aria-label="Opening your schedule" />
      </Center>
    );
  }
  return <OutboxContext.Provider value={outbox}>{children}</OutboxContext.Provider>;
}
