import { createContext, useContext, useEffect } from 'react';

type Handler = (payload: any) => void;

/** The live events of the session, for components that show them as they come (an ETA, a toast). */
export class LiveEvents {
  private readonly handlers = new Map<string, Set<Handler>>();

  on(name: string, handler: Handler): () => void {
    const set = this.handlers.get(name) ?? new Set();
    this.handlers.set(name, set);
    set.add(handler);
    return () => set.delete(handler);
  }

  emit(name: string, payload: unknown): void {
    for (const handler of this.handlers.get(name) ?? []) handler(payload);
  }
}

export const LiveContext = createContext(new LiveEvents());

/** Calls `handler` for each live event `name` while the component is mounted. */
export function useLiveEvent(name: string, handler: Handler): void {
  const live = useContext(LiveContext);
  useEffect(() => live.on(name, handler), [live, name, handler]);
}
