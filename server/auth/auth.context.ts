import type { Ctx } from '../changes/context';
import type { Devices } from './devices';
import type { Passwords } from './passwords';
import type { Revocations } from './revocations';
import type { Sessions } from './sessions';
import type { Tokens } from './tokens';

/** The context of the auth services and of the transports that authenticate: tokens and sessions too. */
export interface AuthCtx extends Ctx {
  tokens: Tokens;
  /** Cached token versions for socket events. */
  sessions: Sessions;
  /** Password hashing, at most PASSWORD_HASH_CONCURRENCY at once. */
  passwords: Passwords;
  /** Cached revocations of single tokens (log out) for socket events. */
  revocations: Revocations;
  /** Device cookies: known devices are not held by an account's login lockout. */
  devices: Devices;
}
