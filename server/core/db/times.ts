/**
 * timestamptz values as node-postgres hands them over and as Sequelize writes them, with one fix each
 * way for the years the contract allows beyond 1 to 9999:
 * - read: a date of year 0 (PostgreSQL's 1 BC), which the contract's years 0000 to 9999 include.
 *   node-postgres (postgres-date) makes it with Date.UTC, which reads years 0 to 99 as 1900 to 1999:
 *   29 February of year 0, a leap year, becomes 1 March (1900 was not a leap year). A BC time is read
 *   here; every other one as before.
 * - write: Sequelize writes a Date as moment's `YYYY-MM-DD HH:mm:ss.SSS Z`, which has no year 0 and no
 *   sign; a year outside 1 to 9999 is written here in ISO 8601 as PostgreSQL reads it (BC years counted
 *   its way: ISO's year 0 is 1 BC).
 */
import pg from 'pg';
import { DataTypes } from 'sequelize';

/** PostgreSQL's text of a BC timestamptz in the ISO date style: `0001-02-29 12:00:00.5+00 BC`. */
const BC_TIME = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))? BC$/;

let installed = false;

/** Reads timestamptz columns with this fix (node-postgres's parsers are the process's: once is enough). */
export function readTimestamptz(): void {
  if (installed) return;
  installed = true;
  const usual = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (text: string) => Date;
  pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (text: string) => parseBc(text) ?? usual(text));
}

/** Writes timestamptz values of Sequelize's models with this fix (Sequelize's data types are the process's: once is enough). */
export function writeTimestamptz(): void {
  const DATE = (DataTypes as unknown as { postgres: { DATE: { prototype: Stringifier } } }).postgres.DATE.prototype;
  if (DATE._stringify.name === 'wideYears') return;
  const usual = DATE._stringify;
  DATE._stringify = function wideYears(this: Stringifier, value, options) {
    return value instanceof Date && !within1to9999(value) ? sqlTime(value) : usual.call(this, value, options);
  };
}

interface Stringifier {
  _stringify: (this: Stringifier, value: unknown, options: unknown) => string;
}

const within1to9999 = (date: Date) => date.getUTCFullYear() >= 1 && date.getUTCFullYear() <= 9999;

/**
 * A time as PostgreSQL reads it: ISO 8601, a year past 9999 without JavaScript's "+0" padding, and a
 * year before 1 as PostgreSQL counts it (it has no year 0: ISO's year 0 is 1 BC, -1 is 2 BC).
 */
export function sqlTime(date: Date): string {
  const iso = date.toISOString();
  const year = date.getUTCFullYear();
  if (year > 0) return iso.replace(/^\+0*/, '');
  return `${String(1 - year).padStart(4, '0')}${iso.slice(iso.indexOf('-', 1))} BC`;
}

/** The instant of a BC timestamptz text, or undefined for any other text. */
export function parseBc(text: string): Date | undefined {
  const m = BC_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', sign, oh, om = '0', os = '0'] = m;
  const at = new Date(0);
  at.setUTCFullYear(1 - Number(y), Number(mo) - 1, Number(d)); // 1 BC is year 0, 2 BC year -1
  at.setUTCHours(Number(h), Number(mi), Number(s), Number(frac.slice(1, 4).padEnd(3, '0')));
  const offsetMs = (Number(oh) * 3600 + Number(om) * 60 + Number(os)) * 1000;
  return new Date(at.getTime() - (sign === '-' ? -offsetMs : offsetMs));
}
