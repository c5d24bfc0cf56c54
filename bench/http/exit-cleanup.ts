/**
 * Synchronous clean-ups (kill a child, remove a temporary folder) that must run however the
 * process ends: normally, on an uncaught error, or on Ctrl-C / SIGTERM, which would otherwise
 * end Node without running `finally` blocks.
 */
const cleanups = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const cleanup of [...cleanups].reverse()) {
    try {
      cleanup();
    } catch {
      // keep cleaning up the rest
    }
  }
  cleanups.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      runAll();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Registers `cleanup`; the returned function unregisters it (call it after cleaning up normally). */
export function onExit(cleanup: () => void): () => void {
  install();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}
