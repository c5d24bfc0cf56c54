/** Jest runs TypeScript through swc (fast, no type check: `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/data/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
  // testTimeout bounds each test; the watchdog bounds the rest (testing/jest-watchdog.js): a test
  // file running longer than JEST_FILE_LIMIT_MINUTES (10), or a process still alive 30 s after
  // the run (something a timed-out test left retrying), fails the run with exit code 1 instead of
  // hanging. Chosen over forceExit, which would hide the leak and exit 0.
  reporters: ['default', '<rootDir>/testing/jest-watchdog.js'],
};
