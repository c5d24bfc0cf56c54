import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serverEntry } from '../../bench/http/server-process';
import { SERVER_NODE_FLAGS } from '../node-flags';

const root = join(__dirname, '..', '..');

describe('the V8 flags the server runs with', () => {
  it('npm start, the Dockerfile and the servers of the bench and the soak all give them', () => {
    const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
    expect(cmd).toBeDefined();
    const dockerArgs = JSON.parse(cmd!) as string[];
    for (const flag of SERVER_NODE_FLAGS) {
      expect([flag, start.split(' ').includes(flag)]).toEqual([flag, true]);
      expect([flag, dockerArgs.includes(flag)]).toEqual([flag, true]);
      expect([flag, serverEntry().execArgv.includes(flag)]).toEqual([flag, true]);
    }
    // The flags come before the entry point, or node hands them to the server as its arguments.
    expect(start.indexOf(SERVER_NODE_FLAGS[0]!)).toBeLessThan(start.indexOf('dist/app/main.js'));
    expect(dockerArgs.indexOf(SERVER_NODE_FLAGS[0]!)).toBeLessThan(dockerArgs.indexOf('dist/app/main.js'));
  });

  it('are flags this node accepts', () => {
    // A flag V8 does not know would stop `npm start` with "bad option".
    expect(execFileSync(process.execPath, [...SERVER_NODE_FLAGS, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' })).toBe('ok');
  });

  it('a flag the caller already gave is replaced, not repeated', () => {
    const before = process.execArgv;
    Object.defineProperty(process, 'execArgv', { value: [...before, '--max-semi-space-size=8'], configurable: true });
    try {
      const argv = serverEntry().execArgv;
      expect(argv.filter((f) => f.startsWith('--max-semi-space-size'))).toEqual(['--max-semi-space-size=64']);
    } finally {
      Object.defineProperty(process, 'execArgv', { value: before, configurable: true });
    }
  });
});
