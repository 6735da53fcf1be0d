/** The Express app's own ends: the route that matches nothing, and the one error handler; `no-store`. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, toAppError } from '../core/errors';

/** `Cache-Control: no-store`: the answer is kept by no browser or proxy cache. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

export const notFoundRoute: RequestHandler = (_req, _res, next) => next(new AppError('not_found', 'No such route'));

/**
 * The contract's `{error}` body for every failure; a 500 never carries a stack or SQL. A 500 or 503
 * is logged once: pino-http's line for the request (error level, with the request id) carries the
 * error from res.err; only when that line was written already (the client went away) is it logged here.
 * A 429 carries `Retry-After` (seconds).
 */
export const errorHandler = (): ErrorRequestHandler => (err, req, res, _next) => {
  const appError = toAppError(err);
  if (appError.code === 'internal' || appError.code === 'unavailable') {
    if (res.writableFinished || res.destroyed) req.log.error({ err }, 'request failed after its connection closed');
    else res.err = err instanceof Error ? err : new Error(String(err));
  }
  if (res.headersSent) return;
  // every 429 says when to come back: the lockout's or the window's time left, else a second; so does
  // a 503 that knows (password hashing full)
  if (appError.status === 429 || appError.retryAfter !== undefined)
    res.set('Retry-After', String(appError.retryAfter ?? 1));
  res.status(appError.status).set('Cache-Control', 'no-store').json({ error: appError.toJSON() }); // an error is never cached
};
