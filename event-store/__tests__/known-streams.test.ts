import { KnownStreams } from '../known-streams';

describe('what the sole writer of a file knows of its streams', () => {
  it('a stream with an append on its way is not known until every such append is answered', () => {
    const known = new KnownStreams(0);
    known.read('s', 3);
    expect(known.endsBefore('s', 4)).toBe(true);
    expect(known.endsBefore('s', 3)).toBe(false);
    known.sending('s');
    known.sending('s');
    expect(known.endsBefore('s', 4)).toBe(false); // the file may hold the append already
    known.read('s', 3); // a read meanwhile teaches nothing
    known.answered('s', 4);
    expect(known.endsBefore('s', 5)).toBe(false); // the second is still on its way
    known.answered('s', 5);
    expect(known.endsBefore('s', 6)).toBe(true);
    expect(known.endsBefore('s', 5)).toBe(false);
  });

  it('an answer that does not say the revision (a repeat, a failure) forgets the stream', () => {
    const known = new KnownStreams(0);
    known.read('s', 2);
    known.sending('s');
    known.answered('s', undefined);
    expect(known.endsBefore('s', 3)).toBe(false);
    expect(known.endsBefore('s', 100)).toBe(false);
  });

  it('an empty stream ends before revision 0; unknown streams end nowhere', () => {
    const known = new KnownStreams(0);
    known.read('empty', -1);
    expect(known.endsBefore('empty', 0)).toBe(true);
    expect(known.endsBefore('other', 0)).toBe(false);
  });

  it('keeps the most recently used streams up to its capacity', () => {
    const known = new KnownStreams(0, 2);
    known.read('a', 0);
    known.read('b', 0);
    known.read('a', 1); // a is now the most recent
    known.read('c', 0);
    expect(known.endsBefore('a', 2)).toBe(true);
    expect(known.endsBefore('c', 1)).toBe(true);
    expect(known.endsBefore('b', 1)).toBe(false);
  });
});
