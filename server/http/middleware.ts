/** Express pieces shared by every route: validation, authentication, errors. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type Joi from 'joi';
import { authenticate } from '../auth/auth.service';
import { bearerToken } from '../auth/tokens';
import type { User } from '../auth/user.model';
import type { Ctx } from '../context';
import { AppError, toAppError, validate } from '../errors';

declare module 'express-serve-static-core' {
  interface Locals {
    user: User;
  }
}

/** Replaces req.body with its validated value. */
export const body = (schema: Joi.Schema): RequestHandler => (req, _res, next) => {
  req.body = validate(schema, req.body);
  next();
};

/** Checks a route parameter is a UUID; anything else cannot exist, so it is `not_found`. */
export const uuidParams = (...names: string[]): RequestHandler => (req, _res, next) => {
  const bad = names.find((n) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(String(req.params[n])));
  next(bad ? new AppError('not_found') : undefined);
};

/** Bearer authentication: sets res.locals.user or answers 401. */
export const requireAuth = (ctx: Ctx): RequestHandler => async (req, res, next) => {
  const token = bearerToken(req.headers.authorization);
  if (!token) throw new AppError('unauthorized');
  res.locals.user = (await authenticate(ctx, token)).user;
  next();
};

/** A REST change spends one of the user's events, like a socket event (after requireAuth). */
export const spendEvent = (ctx: Ctx): RequestHandler => (req, res, next) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') ctx.rates.spendEvent(res.locals.user.id);
  next();
};

export const notFoundRoute: RequestHandler = (_req, _res, next) => next(new AppError('not_found', 'No such route'));

/**
 * The contract's `{error}` body for every failure; a 500 never carries a stack or SQL. A 500 or 503
 * is logged once: pino-http's line for the request (error level, with the request id) carries the
 * error from res.err; only when that line was written already (the client went away) is it logged here.
 */
export const errorHandler = (): ErrorRequestHandler => (err, req, res, _next) => {
  const appError = toAppError(err);
  if (appError.code === 'internal' || appError.code === 'unavailable') {
    if (res.writableFinished || res.destroyed) req.log?.error({ err }, 'request failed after its connection closed');
    else res.err = err instanceof Error ? err : new Error(String(err));
  }
  if (res.headersSent) return;
  res.status(appError.status).json({ error: appError.toJSON() });
};
