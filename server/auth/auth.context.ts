import type { Ctx } from '../core/context';
import type { Passwords } from './passwords';
import type { Sessions } from './sessions';
import type { Tokens } from './tokens';

/** The context of the auth services and of the transports that authenticate: tokens and sessions too. */
export interface AuthCtx extends Ctx {
  tokens: Tokens;
  /** Cached token versions for socket events. */
  sessions: Sessions;
  /** Password hashing, at most PASSWORD_HASH_CONCURRENCY at once. */
  passwords: Passwords;
}
