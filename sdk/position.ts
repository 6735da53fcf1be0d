/**
 * Position keys for reordering. Tasks sort by (position, createdAt, id), positions compared as the
 * database compares them (COLLATE "C": UTF-8 bytes, which is code point order). A task created without
 * a position has '' (the server's default), which sorts before every other key.
 *
 * Keys made here are fractional-index keys over base-62 digits (an integer part whose first character
 * tells its length, then a fraction), so appending or prepending one after another grows them by a
 * character only every few thousand steps. Neighbours that are not such keys (other clients may send
 * any string) get a plain code-point midpoint instead.
 */
import { LIMITS } from '../shared/limits';

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ZERO = DIGITS[0];
const SMALLEST_INTEGER = 'A' + ZERO.repeat(26);

/** Sort weight of a UTF-16 code unit such that comparing weights is comparing code points. */
function weight(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000; // surrogates (astral code points) sort last
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** Compares two strings by code point, as the database's COLLATE "C" compares UTF-8 text. */
export function comparePositions(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return weight(x) - weight(y);
  }
  return a.length - b.length;
}

function integerLength(head: string): number | undefined {
  if (head >= 'a' && head <= 'z') return head.charCodeAt(0) - 'a'.charCodeAt(0) + 2;
  if (head >= 'A' && head <= 'Z') return 'Z'.charCodeAt(0) - head.charCodeAt(0) + 2;
  return undefined;
}

/** Whether `key` is a fractional-index key of the kind made here. */
function isIndexKey(key: string): boolean {
  if (key.length === 0 || key === SMALLEST_INTEGER) return false;
  for (const ch of key) if (!DIGITS.includes(ch)) return false;
  const len = integerLength(key[0]);
  if (len === undefined || len > key.length) return false;
  return !(key.length > len && key.endsWith(ZERO));
}

/** A fraction strictly between fractions a and b (b null: no upper bound). */
function midpoint(a: string, b: string | null): string {
  if (b !== null) {
    let n = 0;
    while ((a[n] ?? ZERO) === b[n]) n++;
    if (n > 0) return b.slice(0, n) + midpoint(a.slice(n), b.slice(n));
  }
  const da = a ? DIGITS.indexOf(a[0]) : 0;
  const db = b !== null ? DIGITS.indexOf(b[0]) : DIGITS.length;
  if (db - da > 1) return DIGITS[Math.round(0.5 * (da + db))];
  if (b !== null && b.length > 1) return b.slice(0, 1);
  return DIGITS[da] + midpoint(a.slice(1), null);
}

function incrementInteger(x: string): string | null {
  const head = x[0];
  const digits = x.slice(1).split('');
  let carry = true;
  for (let i = digits.length - 1; carry && i >= 0; i--) {
    const d = DIGITS.indexOf(digits[i]) + 1;
    if (d === DIGITS.length) digits[i] = ZERO;
    else {
      digits[i] = DIGITS[d];
      carry = false;
    }
  }
  if (!carry) return head + digits.join('');
  if (head === 'Z') return 'a' + ZERO;
  if (head === 'z') return null;
  const h = String.fromCharCode(head.charCodeAt(0) + 1);
  if (h > 'a') digits.push(ZERO);
  else digits.pop();
  return h + digits.join('');
}

function decrementInteger(x: string): string | null {
  const head = x[0];
  const digits = x.slice(1).split('');
  let borrow = true;
  for (let i = digits.length - 1; borrow && i >= 0; i--) {
    const d = DIGITS.indexOf(digits[i]) - 1;
    if (d === -1) digits[i] = DIGITS[DIGITS.length - 1];
    else {
      digits[i] = DIGITS[d];
      borrow = false;
    }
  }
  if (!borrow) return head + digits.join('');
  if (head === 'a') return 'Z' + DIGITS[DIGITS.length - 1];
  if (head === 'A') return null;
  const h = String.fromCharCode(head.charCodeAt(0) - 1);
  if (h < 'Z') digits.push(DIGITS[DIGITS.length - 1]);
  else digits.pop();
  return h + digits.join('');
}

const integerPart = (key: string): string => key.slice(0, integerLength(key[0]));

/** Fractional-index key between two such keys (or open ends). */
function indexKeyBetween(a: string | null, b: string | null): string | null {
  if (a === null) {
    if (b === null) return 'a' + ZERO;
    const ib = integerPart(b);
    if (ib === SMALLEST_INTEGER) return ib + midpoint('', b.slice(ib.length));
    if (ib < b) return ib;
    return decrementInteger(ib);
  }
  const ia = integerPart(a);
  const fa = a.slice(ia.length);
  if (b === null) return incrementInteger(ia) ?? ia + midpoint(fa, null);
  const ib = integerPart(b);
  if (ia === ib) return ia + midpoint(fa, b.slice(ib.length));
  const i = incrementInteger(ia);
  if (i !== null && i < b) return i;
  return ia + midpoint(fa, null);
}

const codePoints = (s: string): number[] => Array.from(s, (ch) => ch.codePointAt(0)!);
const FIRST_DIGIT = DIGITS.charCodeAt(0);

/** The digit after code point `c` (c = -1: before every digit), if any. */
function digitAfter(c: number): number | undefined {
  if (c < FIRST_DIGIT) return FIRST_DIGIT;
  for (const ch of DIGITS) if (ch.charCodeAt(0) > c) return ch.charCodeAt(0);
  return undefined;
}

/** The middle digit strictly between code points lo and hi, if any. */
function digitBetween(lo: number, hi: number): number | undefined {
  const inside = Array.from(DIGITS, (ch) => ch.charCodeAt(0)).filter((c) => c > lo && c < hi);
  return inside.length > 0 ? inside[inside.length >> 1] : undefined;
}

/** A plain code-point key between any two strings a < b (either may be null); undefined when none exists. */
function anyKeyBetween(a: string | null, b: string | null): string | undefined {
  let lower = codePoints(a ?? '');
  let upper = b === null ? null : codePoints(b);
  const out: number[] = [];
  for (let i = 0; ; i++) {
    const da = i < lower.length ? lower[i] : -1;
    if (upper === null) {
      // only a lower bound: the next digit above it here, or its own character and go on
      const c = da === -1 ? DIGITS.charCodeAt(DIGITS.length >> 1) : digitAfter(da);
      if (c !== undefined) return String.fromCodePoint(...out, c);
      out.push(da);
      continue;
    }
    if (i >= upper.length) return undefined; // b is a prefix of the key so far: nothing fits
    const db = upper[i];
    if (da === db) {
      out.push(da);
      continue;
    }
    const c = digitBetween(da, db);
    if (c !== undefined) return String.fromCodePoint(...out, c);
    if (da !== -1) {
      // a's own character here (below b's): anything above the rest of a will do
      out.push(da);
      upper = null;
      continue;
    }
    // a has ended and no digit is below b's character here: a smaller character, or b's and go on
    let below = db - 1;
    if (below >= 0xd800 && below <= 0xdfff) below = 0xd7ff;
    if (below >= 1) return String.fromCodePoint(...out, below);
    out.push(db);
    lower = [];
  }
}

/**
 * A position strictly between `a` and `b` (either null for an open end), 1 to 255 characters, by
 * code point order. `a` = '' (a task created without a position) counts as an open lower end. Throws a
 * RangeError when `a` is not below `b`, or no key of at most 255 characters fits between them.
 */
export function positionBetween(a: string | null, b: string | null): string {
  const lo = a === '' ? null : a;
  if (b !== null && (b === '' || (lo !== null && comparePositions(lo, b) >= 0)))
    throw new RangeError(`no position fits between ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
  let key: string | null | undefined;
  if ((lo === null || isIndexKey(lo)) && (b === null || isIndexKey(b))) key = indexKeyBetween(lo, b);
  key ??= anyKeyBetween(lo, b);
  if (
    key === undefined ||
    key.length < LIMITS.positionMin ||
    key.length > LIMITS.positionMax ||
    (lo !== null && comparePositions(lo, key) >= 0) ||
    (b !== null && comparePositions(key, b) >= 0)
  )
    throw new RangeError(`no position of at most ${LIMITS.positionMax} characters fits there`);
  return key;
}

/** `n` increasing positions strictly between `a` and `b` (see positionBetween); throws a RangeError when they do not fit. */
export function positionsBetween(a: string | null, b: string | null, n: number): string[] {
  if (n <= 0) return [];
  const mid = positionBetween(a, b);
  const left = (n - 1) >> 1;
  return [...positionsBetween(a, mid, left), mid, ...positionsBetween(mid, b, n - 1 - left)];
}
