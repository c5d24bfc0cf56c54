/**
 * A Jest reporter that bounds the run, in the main Jest process (plain CommonJS: loaded as is).
 *
 * testTimeout bounds each test, but not what a timed-out test leaves running: a retry loop that
 * never gives up kept a test file from finishing, and kept the process alive after the run
 * ("Jest did not exit one second after the test run has completed") — the run hung instead of
 * failing. This watchdog fails it instead:
 *
 * - a test file still running after JEST_FILE_LIMIT_MINUTES (default 10) ends the run with exit
 *   code 1, naming the file;
 * - a process still alive JEST_EXIT_GRACE_SECONDS (default 30) after the run completed ends with
 *   exit code 1, saying that something a test started never ended (--detectOpenHandles names it).
 *
 * Not chosen: forceExit (would hide the leak and exit 0), bail (stops at the first failure, does
 * not bound a hang), a per-file timer in a setup file (it runs inside a worker; exiting a worker
 * makes Jest retry the file in a new one, and it cannot see the process after the run).
 * The timers are unref'd: a run that ends normally is never held up by them.
 */
class Watchdog {
  constructor() {
    this.fileLimitMs = Number(process.env.JEST_FILE_LIMIT_MINUTES || 10) * 60_000;
    this.exitGraceMs = Number(process.env.JEST_EXIT_GRACE_SECONDS || 30) * 1000;
    this.running = new Map();
  }

  onTestFileStart(test) {
    const timer = setTimeout(() => {
      process.stderr.write(
        `\nTest file still running after ${this.fileLimitMs / 60_000} minutes (JEST_FILE_LIMIT_MINUTES): ${test.path}\n` +
          'Something in it never ends (a retry loop, a request without a timeout): the run stops here.\n',
      );
      process.exit(1);
    }, this.fileLimitMs);
    timer.unref();
    this.running.set(test.path, timer);
  }

  onTestFileResult(test) {
    clearTimeout(this.running.get(test.path));
    this.running.delete(test.path);
  }

  onRunComplete() {
    for (const timer of this.running.values()) clearTimeout(timer);
    this.running.clear();
    setTimeout(() => {
      process.stderr.write(
        `\nThe test run completed ${this.exitGraceMs / 1000} s ago, but the process is still alive (JEST_EXIT_GRACE_SECONDS): ` +
          'something a test started never ended. Run the files again with --detectOpenHandles to see what.\n',
      );
      process.exit(1);
    }, this.exitGraceMs).unref();
  }

  getLastError() {
    return undefined;
  }
}

module.exports = Watchdog;
