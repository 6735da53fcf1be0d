import type { Sequelize } from 'sequelize';
import type { Sessions } from './auth/sessions';
import type { Tokens } from './auth/tokens';
import type { Config } from './config';
import type { Rates } from './guard/rates';
import type { Logger } from './logger';
import type { Notifier } from './realtime/notifier';

/** What services need, built once by createServer. */
export interface Ctx {
  config: Config;
  sequelize: Sequelize;
  logger: Logger;
  tokens: Tokens;
  notifier: Notifier;
  /** Per-user rates: events, shares, failed logins. */
  rates: Rates;
  /** Cached token versions for socket events. */
  sessions: Sessions;
}

/** Who is asking: the user, and the socket the request came on (it gets the ack, not the broadcast). */
export interface Actor {
  userId: string;
  socketId?: string;
}
