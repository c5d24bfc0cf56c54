import Database from 'better-sqlite3';
import fc from 'fast-check';
import { LimitedStatements } from '../limited-statements';

describe('LimitedStatements: a query prepared per LIMIT, written into its SQL', () => {
  let db: Database.Database;
  let prepared: string[];
  let rows: LimitedStatements;

  beforeEach(() => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY)');
    const insert = db.prepare('INSERT INTO t (n) VALUES (?)');
    for (let n = 1; n <= 50; n++) insert.run(n);
    prepared = [];
    rows = new LimitedStatements((limit) => {
      const sql = `SELECT n FROM t WHERE n > ? ORDER BY n${limit}`;
      prepared.push(sql);
      return db.prepare(sql).pluck();
    });
  });
  afterEach(() => db.close());

  it('answers what a bound LIMIT answered, for every limit and none', () => {
    const bound = db.prepare<[number, number], number>('SELECT n FROM t WHERE n > ? ORDER BY n LIMIT ?').pluck();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.option(fc.integer({ min: -3, max: 60 }), { nil: undefined }), (after, limit) => {
        expect(rows.limitedTo(limit).all(after)).toEqual(bound.all(after, limit ?? -1));
      }),
    );
  });

  it('prepares each limit once, and no LIMIT clause for all rows', () => {
    rows.limitedTo(5).all(0);
    rows.limitedTo(5).all(10);
    rows.limitedTo(undefined).all(0);
    rows.limitedTo(-1).all(0);
    expect(prepared).toEqual(['SELECT n FROM t WHERE n > ? ORDER BY n LIMIT 5', 'SELECT n FROM t WHERE n > ? ORDER BY n']);
  });

  it('keeps at most 32 limits prepared, dropping the oldest', () => {
    for (let limit = 1; limit <= 33; limit++) rows.limitedTo(limit);
    expect(prepared).toHaveLength(33);
    rows.limitedTo(33); // still kept
    expect(prepared).toHaveLength(33);
    rows.limitedTo(1); // dropped for the 33rd: prepared again
    expect(prepared).toHaveLength(34);
  });

  it('refuses a limit that is not a whole number (it would be written into SQL)', () => {
    expect(() => rows.limitedTo(2.5)).toThrow(RangeError);
    expect(() => rows.limitedTo(Number.NaN)).toThrow(RangeError);
    expect(() => rows.limitedTo(Infinity)).toThrow(RangeError);
    expect(prepared).toEqual([]);
  });
});
