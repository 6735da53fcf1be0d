import type { Sequelize } from 'sequelize';
import type { Config } from './config';
import type { Rates } from './rates';
import type { ReadSlots } from './reads';
import type { Logger } from './logger';
import type { Notifier } from './notifier';

/** What every service needs, built once by createServer (auth adds its own: auth/auth.context.ts). */
export interface Ctx {
  config: Config;
  sequelize: Sequelize;
  logger: Logger;
  notifier: Notifier;
  /** Per-user rates: events, shares, failed logins. */
  rates: Rates;
  /** Expensive reads (sync, task pages): at most a few of one user at once. */
  reads: ReadSlots;
}

/** Who is asking: the user, and the socket the request came on (it gets the ack, not the broadcast). */
export interface Actor {
  userId: string;
  socketId?: string;
}
