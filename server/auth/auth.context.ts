import type { Ctx } from '../changes/context';
import type { Devices } from './devices';
import type { Passwords } from './passwords';
import type { Revocations } from './revocations';
import type { TokenVersions } from './token-versions';
import type { Tokens } from './tokens';

/**
 * The context of the auth services and of the transports that authenticate: tokens, and the caches of
 * token versions and revocations, too.
 */
export interface AuthCtx extends Ctx {
  tokens: Tokens;
  /** Cached token versions for socket events. */
  tokenVersions: TokenVersions;
  /** Password hashing, at most PASSWORD_HASH_CONCURRENCY at once. */
  passwords: Passwords;
  /** Cached revocations of single tokens (log out) for socket events. */
  revocations: Revocations;
  /** Device cookies: known devices are not held by an account's login lockout. */
  devices: Devices;
}
