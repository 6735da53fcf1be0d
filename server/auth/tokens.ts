/** HS256 access tokens: `sub` is the user id, `ver` the user's token version (logout-all bumps it). */
import crypto, { type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AppError } from '../core/errors';

export interface Claims {
  sub: string;
  ver: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface IssuedToken {
  token: string;
  expiresAt: string;
}

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
    const token = jwt.sign({ ver: version, exp }, this.key, { algorithm: 'HS256', subject: userId });
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /** The claims of a valid token, or `unauthorized`. The algorithm is pinned: `alg: none` is refused. */
  verify(token: unknown): Claims {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw new AppError('unauthorized');
    try {
      const claims = jwt.verify(token, this.key, { algorithms: ['HS256'] }) as Partial<Claims>;
      if (typeof claims.sub !== 'string' || typeof claims.ver !== 'number' || typeof claims.exp !== 'number') {
        throw new AppError('unauthorized');
      }
      return claims as Claims;
    } catch {
      throw new AppError('unauthorized', 'The token is invalid or expired');
    }
  }
}

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}
