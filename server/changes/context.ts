import type { Sequelize } from 'sequelize';
import type { Config } from '../core/config';
import type { Logger } from '../core/logger';
import type { Rates } from '../core/rates';
import type { ReadSlots } from '../core/reads';
import type { Notifier } from './notifier';

export type { Actor } from '../core/actor';

/** What every service needs, built once by createServer (auth adds its own: auth/auth.context.ts). */
export interface Ctx {
  config: Config;
  sequelize: Sequelize;
  logger: Logger;
  /** Sends committed changes to the sockets that may see them, on every node. */
  notifier: Notifier;
  /** Per-user rates: events, shares, failed logins. */
  rates: Rates;
  /** Expensive reads (sync, task pages): at most a few of one user at once. */
  reads: ReadSlots;
}
