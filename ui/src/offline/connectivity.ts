/**
 * Whether the server can be reached, which is what "offline" means to the app: the browser's
 * `online`/`offline` events are a hint (a phone may be on a network that leads nowhere, and a
 * page opened offline may be told it is online), a request that got no answer is proof. After
 * one, the app is offline until the server answers again: `GET /health` is asked every few
 * seconds meanwhile. TanStack Query's onlineManager carries the state: queries pause offline and
 * resume, and the outbox sends, when it turns online.
 */
import { onlineManager } from '@tanstack/react-query';
import { api } from '../api/client';

const PROBE_EVERY_MS = 3000;
let installed = false;
let probeTimer: ReturnType<typeof setTimeout> | undefined;

function reachable(): void {
  clearTimeout(probeTimer);
  probeTimer = undefined;
  if (!onlineManager.isOnline()) onlineManager.setOnline(true);
}

function unreachable(): void {
  if (onlineManager.isOnline()) onlineManager.setOnline(false);
  if (probeTimer === undefined) probeTimer = setTimeout(() => void probe(), PROBE_EVERY_MS);
}

async function probe(): Promise<void> {
  probeTimer = undefined;
  try {
    // Any answer will do (503 while starting up too): the server is there.
    await fetch('/health', { cache: 'no-store' });
    reachable();
  } catch {
    unreachable();
  }
}

/** Follows connectivity for the whole app (once). */
export function followConnectivity(): void {
  if (installed) return;
  installed = true;
  onlineManager.setEventListener(() => {
    const online = () => void probe();
    const offline = () => unreachable();
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    return () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
    };
  });
  if (!navigator.onLine) unreachable();
  api.use({
    onResponse() {
      reachable();
      return undefined;
    },
    onError() {
      unreachable();
      return undefined;
    },
  });
}

/** Asks the server now (after a failure the caller wants to see through quickly). */
export function checkConnectivity(): void {
  void probe();
}
