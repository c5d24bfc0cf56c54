/**
 * The V8 flags the server runs with: `npm start`, the Dockerfile, and the servers the bench and
 * the soak start (a test keeps the three in step).
 *
 * Under sustained writes V8 let the old generation grow to 3–4 times what was live, so RSS grew
 * far faster than the data. Measured on the demo data, 3 × 20 s of ticket creates:
 * - defaults: RSS 1,050 MB at the end;
 * - `--heap-growing-percent=100` (the next major GC at twice what survived the last): 700 MB,
 *   at about 5 % more CPU per ticket (more major GCs);
 * - both flags: 830 MB at the same CPU per ticket as the defaults. A young generation of up to
 *   64 MB per semi-space lets more short-lived objects die young, which pays for those GCs.
 *
 * Once the server spent less CPU per ticket it made more tickets per run, and the old
 * generation, allowed twice what survived, grew from 92 to 217 MB over three runs while what
 * survived a full GC went from 85 to 102 MB. `--heap-growing-percent=50` (the next major GC
 * at one and a half times): RSS 456 and 461 MB at the end against 508, at the same CPU per
 * ticket (3.21 and 3.13 ms against 3.20 in the third run). A smaller young generation (32 MB)
 * lowered RSS less and grew it as much.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64', '--heap-growing-percent=50'];
