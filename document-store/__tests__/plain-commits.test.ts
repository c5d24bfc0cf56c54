import { CommitRows, IN_FILE, PlainCommits } from '../embedded/plain-commits';
import { BackgroundWriter, RowBatch } from '../embedded/writer';

/** A writer thread the test answers for: batches wait until `answer` settles the oldest. */
class HeldWriter {
  alive = true;
  readonly sent: { batch: RowBatch; settle: (error?: Error) => void; kib: number | undefined }[] = [];
  batch(): RowBatch {
    return new RowBatch(Buffer.alloc(4096));
  }
  write(batch: RowBatch, settle: (error?: Error) => void, kib?: number): void {
    this.sent.push({ batch, settle, kib });
  }
  drain(): void {
    while (this.sent.length > 0) this.answer();
  }
  answer(error?: Error): void {
    this.sent.shift()!.settle(error);
  }
}

const turnEnds = () => new Promise((resolve) => setImmediate(resolve));

function setUp() {
  const writer = new HeldWriter();
  const sends: string[] = [];
  const committed: number[] = [];
  const plain = new PlainCommits(writer as unknown as BackgroundWriter, 2 * 16384, () => sends.push('main group ended'), (bytes) => committed.push(bytes));
  const commit = (build: (rows: CommitRows) => void) => {
    const rows = new CommitRows();
    build(rows);
    plain.add(rows);
  };
  return { writer, plain, sends, committed, commit };
}

describe('plain commits handed to the background writer', () => {
  it('are one batch per turn; their rows are read from the batch until the writer reports it committed', async () => {
    const { writer, plain, sends, committed, commit } = setUp();
    commit((rows) => {
      rows.register('docs');
      rows.insert(1, 'docs', 'a', '{"_id":"a"}');
    });
    commit((rows) => rows.update(1, 'docs', 'a', '{"_id":"a","n":2}'));
    commit((rows) => rows.remove(7, 'docs', 'gone'));
    expect(plain.row(1)).toEqual(['a', '{"_id":"a","n":2}']);
    expect(plain.row(7)).toBeUndefined();
    expect(plain.row(2)).toBe(IN_FILE);
    expect(writer.sent).toHaveLength(0);
    const flushed = plain.flushed();
    await turnEnds();
    expect(writer.sent).toHaveLength(1);
    expect(sends).toEqual(['main group ended']); // before the writer may write
    expect(writer.sent[0]!.batch.registers).toEqual(['docs']);
    expect(writer.sent[0]!.kib).toBe(3 * 2 * 16); // three rows, two 16 KiB pages each
    expect(plain.row(1)).toEqual(['a', '{"_id":"a","n":2}']); // sent, not committed
    let done = false;
    void flushed.then(() => (done = true));
    await turnEnds();
    expect(done).toBe(false);
    writer.answer();
    await flushed;
    expect(plain.row(1)).toBe(IN_FILE);
    expect(plain.row(7)).toBe(IN_FILE);
    expect(plain.pending).toBe(false);
    expect(committed).toEqual([3 * 2 * 16384]);
  });

  it('a row written again in a later batch is read from that batch after the earlier one commits', async () => {
    const { writer, plain, commit } = setUp();
    commit((rows) => rows.insert(1, 'docs', 'a', 'v1'));
    await turnEnds();
    commit((rows) => rows.update(1, 'docs', 'a', 'v2'));
    await turnEnds();
    writer.answer();
    expect(plain.row(1)).toEqual(['a', 'v2']);
    writer.answer();
    expect(plain.row(1)).toBe(IN_FILE);
  });

  it('settle sends the open batch and waits for every batch', () => {
    const { writer, plain, commit } = setUp();
    commit((rows) => rows.insert(1, 'docs', 'a', 'v1'));
    plain.settle();
    expect(writer.sent).toHaveLength(0);
    expect(plain.row(1)).toBe(IN_FILE);
  });

  it('after a batch fails, no later batch reaches the writer, and every later commit and flush fails', async () => {
    const { writer, plain, commit } = setUp();
    commit((rows) => rows.insert(1, 'docs', 'a', 'v1'));
    const first = plain.flushed();
    await turnEnds();
    commit((rows) => rows.insert(2, 'docs', 'b', 'v1')); // opened before the failure is known
    const second = plain.flushed();
    writer.answer(new Error('disk I/O error'));
    await expect(first).rejects.toThrow('committing the last writes failed, the process must restart: disk I/O error');
    await turnEnds();
    expect(writer.sent).toHaveLength(0); // the second batch was never handed over
    await expect(second).rejects.toThrow(/must restart/);
    await expect(plain.flushed()).rejects.toThrow(/must restart/);
    expect(() => commit((rows) => rows.insert(3, 'docs', 'c', 'v1'))).toThrow(/must restart/);
    expect(plain.failed?.message).toMatch(/disk I\/O error/);
    expect(plain.row(1)).toEqual(['a', 'v1']); // still agrees with the caches
  });

  it('a commit without rows opens no batch', async () => {
    const { writer, plain, commit } = setUp();
    commit(() => undefined);
    expect(plain.pending).toBe(false);
    await turnEnds();
    expect(writer.sent).toHaveLength(0);
  });
});
