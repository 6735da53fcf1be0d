/**
 * timestamptz values as node-postgres hands them over, with one fix: a date of year 0 (PostgreSQL's
 * 1 BC), which the contract's years 0000 to 9999 include. node-postgres (postgres-date) makes it with
 * Date.UTC, which reads years 0 to 99 as 1900 to 1999: 29 February of year 0, a leap year, becomes
 * 1 March (1900 was not a leap year). A BC time is read here; every other one as before.
 */
import pg from 'pg';

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
