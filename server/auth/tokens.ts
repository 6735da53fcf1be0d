/**
 * HS256 access tokens: `sub` is the user id, `ver` the user's token version (logout-all bumps it), `jti`
 * the token's own id (log out revokes that one token).
 */
import crypto, { type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AppError } from '../core/errors';

export interface Claims {
  sub: string;
  ver: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /**
   * The token's id: its `jti`, or for a token signed without one (before tokens had ids) a hash of the
   * token itself, so that every valid token can be revoked.
   */
  tokenId: string;
}

export interface IssuedToken {
  token: string;
  expiresAt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class Tokens {
  /** A secret key object: jsonwebtoken checks it once, where a string is first tried as a public key on every call. */
  private readonly key: KeyObject;

  constructor(
    secret: string,
    private readonly lifetimeSeconds: number,
  ) {
    this.key = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
  }

  sign(userId: string, version: number): IssuedToken {
    const exp = Math.floor(Date.now() / 1000) + this.lifetimeSeconds;
    const token = jwt.sign({ ver: version, exp }, this.key, {
      algorithm: 'HS256',
      subject: userId,
      jwtid: crypto.randomUUID(),
    });
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /**
   * The claims of a valid token, or `unauthorized`. The algorithm is pinned: `alg: none` is refused. A
   * subject that is not a user id (a UUID) is `unauthorized` too: no user can hold such a token.
   */
  verify(token: unknown): Claims {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw new AppError('unauthorized');
    let claims: Partial<Omit<Claims, 'tokenId'>> & { jti?: unknown };
    try {
      claims = jwt.verify(token, this.key, { algorithms: ['HS256'] }) as typeof claims;
    } catch {
      throw new AppError('unauthorized', 'The token is invalid or expired');
    }
    const { sub, ver, exp, jti } = claims;
    if (typeof sub !== 'string' || !UUID.test(sub) || typeof ver !== 'number' || typeof exp !== 'number')
      throw new AppError('unauthorized', 'The token is invalid or expired');
    if (jti !== undefined && (typeof jti !== 'string' || jti.length === 0 || jti.length > 64))
      throw new AppError('unauthorized', 'The token is invalid or expired');
    const tokenId = jti ?? crypto.createHash('sha256').update(token).digest('base64url');
    return { sub: sub.toLowerCase(), ver, exp, tokenId };
  }
}

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}
