/**
 * Device cookies (OWASP's "Slow Down Online Guessing Attacks with Device Cookies"): a successful login
 * or register hands the device a cookie, signed by the server and bound to the account. A later login
 * for that account presenting it is a known device: its failures are counted for that device alone,
 * and it is not held by the account's lockout, which a stranger guessing from many addresses can
 * trigger (core/rates.ts). A cookie proves only that this device once knew the password; the password
 * is still checked every time.
 *
 * The value is `<userId>.<expiry, seconds>.<nonce>.<HMAC-SHA256 of the three>`, with a key derived
 * from JWT_SECRET (HKDF), so it cannot be made without the secret, nor moved to another account. The
 * nonce names the device for its own failure count.
 */
import crypto from 'node:crypto';

export const DEVICE_COOKIE = 'todo_device';
/** The cookie's life: a device that signs in at least once a year stays known. */
export const DEVICE_COOKIE_DAYS = 365;
const LIFETIME_S = DEVICE_COOKIE_DAYS * 24 * 3600;
const NONCE = /^[\w-]{22}$/;
/** A Cookie header may name the cookie more than once (another path, a stale copy): that many are tried. */
const MOST_TRIED = 4;

export class Devices {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(crypto.hkdfSync('sha256', secret, 'todo-server', 'device cookie v1', 32));
  }

  /** A new cookie value binding this device to `userId`. */
  issue(userId: string): string {
    const exp = Math.floor(Date.now() / 1000) + LIFETIME_S;
    const body = `${userId}.${exp}.${crypto.randomBytes(16).toString('base64url')}`;
    return `${body}.${this.sign(body)}`;
  }

  /**
   * The device id (the nonce) of the first of `values` that is a cookie of this server, unexpired and
   * bound to `userId`; undefined when none is (or there is no such user).
   */
  deviceOf(values: string[], userId: string | undefined): string | undefined {
    if (userId === undefined) return undefined;
    for (const value of values.slice(0, MOST_TRIED)) {
      const parts = value.split('.');
      if (parts.length !== 4) continue;
      const [uid, exp, nonce, mac] = parts;
      if (uid !== userId || !NONCE.test(nonce) || !/^\d{1,12}$/.test(exp) || Number(exp) * 1000 <= Date.now()) continue;
      const expected = Buffer.from(this.sign(`${uid}.${exp}.${nonce}`));
      const given = Buffer.from(mac);
      if (given.length === expected.length && crypto.timingSafeEqual(given, expected)) return nonce;
    }
    return undefined;
  }

  private sign(body: string): string {
    return crypto.createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

/** The values of cookie `name` in a `Cookie` header (RFC 6265: `a=1; b=2`). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name)
      values.push(
        pair
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, '$1'),
      );
  }
  return values;
}

/** The cookie's attributes: HttpOnly, SameSite=Strict, sent to /api/auth only, Secure over HTTPS. */
export function deviceCookieOptions(secure: boolean) {
  return {
    httpOnly: true,
    sameSite: 'strict',
    path: '/api/auth',
    secure,
    maxAge: LIFETIME_S * 1000,
  } as const;
}
