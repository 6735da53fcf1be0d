/**
 * The times clients send (`dueAt`), read the same way in every JavaScript engine and time zone.
 * `Date.parse` will not do: it rolls "2026-02-30" over to March 2, reads a time without an offset in
 * the local zone, "-000000-01-01" as 2001, and engines differ beyond the one format ECMAScript fixes.
 *
 * Accepted: an ISO-8601 date `YYYY-MM-DD` (or `YYYY-MM`, `YYYY`; `±YYYYYY` for the year), optionally
 * followed by `T` (or a space) and `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction` (to the
 * millisecond, further digits dropped; `24:00` is the end of the day), and `Z` or an offset `±HH:MM`
 * (`±HHMM`). No offset means UTC. The date must exist in the (proleptic Gregorian) calendar, and the
 * instant, in UTC, must fall in the years 0000 to 9999: what an RFC 3339 time, the contract's answer,
 * can carry back. A leap second (`:60`) cannot be held and is refused.
 */

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z, in ms since the epoch. */
export const TIME_MIN_MS = -62_167_219_200_000;
export const TIME_MAX_MS = 253_402_300_799_999;

/** Why a text is not an accepted time. */
export type TimeProblem = 'format' | 'calendar' | 'range';

/** Each problem as the end of a validation message (after the field's name). */
export const TIME_PROBLEMS: Record<TimeProblem, string> = {
  format: 'must be an ISO-8601 date or date-time',
  calendar: 'must be a real date and time (no February 30, no hour 25)',
  range: 'must be in the years 0000 to 9999 (UTC)',
};

const ISO_TIME =
  /^([+-]\d{6}|\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))?)?)?)?$/;

const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const daysIn = (y: number, m: number) => (m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31);

/** The instant `text` names, or why it names none. */
export function parseTime(text: string): { time: Date } | { problem: TimeProblem } {
  const m = ISO_TIME.exec(text);
  if (!m || m[1] === '-000000') return { problem: 'format' }; // ISO 8601 writes year 0 as +000000 or 0000
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac = '', , sign, oh = '00', om = '00'] = m;
  const year = Number(y);
  const [month, day, hour, minute, second] = [mo, d, h, mi, s].map(Number);
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  const endOfDay = hour === 24 && minute === 0 && second === 0 && /^0*$/.test(frac);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysIn(year, month) ||
    (hour > 23 && !endOfDay) ||
    minute > 59 ||
    second > 59 ||
    Number(oh) > 23 ||
    Number(om) > 59
  )
    return { problem: 'calendar' };
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years 0 to 99 as 1900 to 1999
  at.setUTCHours(hour, minute, second, ms); // 24:00 is the next day's 00:00
  const offsetMs = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  const time = at.getTime() - (sign ? offsetMs : 0);
  if (time < TIME_MIN_MS || time > TIME_MAX_MS) return { problem: 'range' };
  return { time: new Date(time) };
}
