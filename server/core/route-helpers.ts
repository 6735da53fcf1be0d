/** Express pieces every domain's routes use: route ids, the caller, and the user's event budget. */
import type { RequestHandler, Response } from 'express';
import type { Actor } from './actor';
import type { Rates } from './rates';
import { AppError } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks route parameters are UUIDs; anything else cannot exist, so it is `not_found`. */
export const uuidParams =
  (...names: string[]): RequestHandler =>
  (req, _res, next) => {
    const bad = names.find((n) => !UUID.test(String(req.params[n])));
    next(bad ? new AppError('not_found') : undefined);
  };

/** The authenticated caller (set by the auth middleware in res.locals.actor). */
export const actorOf = (res: Response): Actor => res.locals.actor;

/** A REST change spends one of the user's events, like a socket event (after authentication). */
export const spendEvent =
  (rates: Rates): RequestHandler =>
  async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') await rates.spendEvent(actorOf(res).userId);
    next();
  };

declare module 'express-serve-static-core' {
  interface Locals {
    actor: Actor;
  }
}
