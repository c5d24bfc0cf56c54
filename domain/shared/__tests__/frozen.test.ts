import fc from 'fast-check';
import { deepFreeze } from '../frozen';

/** Every object and array inside `value`, itself included. */
function everyObject(value: unknown): object[] {
  if (typeof value !== 'object' || value === null) return [];
  return [value, ...Object.values(value).flatMap(everyObject)];
}

describe('deepFreeze', () => {
  it('freezes every object and array of a JSON value, and leaves it equal to what it was', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const copy = structuredClone(value);
        expect(deepFreeze(value)).toBe(value);
        expect(everyObject(value).every((o) => Object.isFrozen(o))).toBe(true);
        expect(value).toEqual(copy);
      }),
      { numRuns: 500 },
    );
  });

  it('freezes what a frozen list gained: a new element in a copy of it', () => {
    const list = deepFreeze([{ visitId: 'v1', range: { start: 'a', end: 'b' } }]);
    const next = deepFreeze([...list, { visitId: 'v2', range: { start: 'c', end: 'd' } }]);
    expect(Object.isFrozen(next)).toBe(true);
    expect(Object.isFrozen(next[1]!.range)).toBe(true);
    expect(next[0]).toBe(list[0]);
  });
});
