import { expect } from 'chai';
import fc from 'fast-check';
import { comparePositions, positionBetween, positionsBetween } from '../../sdk/index';
import { LIMITS } from '../../shared/limits';

/** Code point order, the database's COLLATE "C" order of UTF-8 text. */
const byCodePoint = (a: string, b: string): number => {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
};

const between = (a: string | null, b: string | null, key: string) => {
  expect(key.length, key).to.be.within(LIMITS.positionMin, LIMITS.positionMax);
  if (a !== null) expect(byCodePoint(a, key), `${JSON.stringify(a)} < ${JSON.stringify(key)}`).to.be.below(0);
  if (b !== null) expect(byCodePoint(key, b), `${JSON.stringify(key)} < ${JSON.stringify(b)}`).to.be.below(0);
};

describe('client SDK: positionBetween', () => {
  it('compares as the database does (UTF-8 bytes), astral characters included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(Math.sign(comparePositions(a, b))).to.equal(Math.sign(byCodePoint(a, b)));
      }),
      { seed: 10, numRuns: 2000 },
    );
    expect(comparePositions('\u{1F600}', '\uFFFD')).to.be.above(0); // JS's < says the opposite
  });

  it('keeps keys short when appending, prepending or inserting in one spot 10,000 times', () => {
    let last: string | null = null;
    for (let i = 0; i < 10_000; i++) {
      const key = positionBetween(last, null);
      between(last, null, key);
      last = key;
    }
    expect(last!.length).to.be.at.most(4);
    let first: string | null = null;
    for (let i = 0; i < 10_000; i++) {
      const key = positionBetween(null, first);
      between(null, first, key);
      first = key;
    }
    expect(first!.length).to.be.at.most(4);
    // always just after the same task: the key grows, but about 1 character per 6 inserts at worst
    const lo = positionBetween(null, null);
    let hi = positionBetween(lo, null);
    for (let i = 0; i < 1000; i++) {
      const key = positionBetween(lo, hi);
      between(lo, hi, key);
      hi = key;
    }
    expect(hi.length).to.be.at.most(LIMITS.positionMax);
  });

  it('fits between any two different strings a client may have sent, or says there is no room', () => {
    const position = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => !s.includes('\u0000'));
    fc.assert(
      fc.property(position, position, (x, y) => {
        if (x === y) return;
        const [a, b] = byCodePoint(x, y) < 0 ? [x, y] : [y, x];
        let key: string;
        try {
          key = positionBetween(a, b);
        } catch (err) {
          expect(err).to.be.instanceOf(RangeError);
          // only when b is a followed by U+0001s: nothing (without U+0000) sorts between them
          const rest = b.startsWith(a) ? b.slice(a.length) : '';
          expect(rest.length > 0 && rest.replaceAll('\u0001', '') === '', `${a} ${b}`).to.equal(true);
          return;
        }
        between(a, b, key);
        between(a, null, positionBetween(a, null));
        between(null, b, positionBetween(null, b));
      }),
      { seed: 11, numRuns: 3000 },
    );
  });

  it('treats the server default "" as the start, and refuses a range with no room', () => {
    between(null, 'a0', positionBetween('', 'a0'));
    between(null, '000001', positionBetween('', '000001'));
    expect(() => positionBetween('b', 'a')).to.throw(RangeError);
    expect(() => positionBetween('a', 'a')).to.throw(RangeError);
    expect(() => positionBetween(null, '')).to.throw(RangeError);
    expect(() => positionBetween('x', 'x\u0001')).to.throw(RangeError);
  });

  it('gives n increasing keys between two neighbours', () => {
    const keys = positionsBetween('a0', 'a1', 500);
    expect(keys).to.have.length(500);
    ['a0', ...keys, 'a1'].reduce((prev, key) => {
      expect(byCodePoint(prev, key)).to.be.below(0);
      return key;
    });
    expect(Math.max(...keys.map((k) => k.length))).to.be.at.most(6);
  });
});
