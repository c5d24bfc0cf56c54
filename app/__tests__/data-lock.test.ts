import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDataDir } from '../data-lock';

describe('DATA_DIR lock (embedded stores serve one process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysops-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second owner while the first is alive, naming it', () => {
    const release = lockDataDir(dir, 'npm start (all)');
    expect(() => lockDataDir(dir, 'npm run replay')).toThrow(new RegExp(`in use by process ${process.pid} \\(npm start \\(all\\)`));
    release();
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    lockDataDir(dir, 'npm run replay')();
  });

  it('takes over a lock left by a process that is gone', () => {
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, purpose: 'crashed', since: '2026-01-01T00:00:00Z' }));
    const release = lockDataDir(dir, 'npm start (all)');
    release();
  });
});
