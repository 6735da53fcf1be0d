import type { RequestHandler } from 'express';
import { AppError } from '../core/errors';
import type { AuthCtx } from './auth.context';
import { authenticate } from './auth.service';
import { hashingBusy } from './passwords';
import { bearerToken, type Claims } from './tokens';
import type { User } from './user.model';

declare module 'express-serve-static-core' {
  interface Locals {
    user: User;
    /** The bearer token's claims (its id and expiry: what log out revokes). */
    claims: Claims;
  }
}

/** Bearer authentication: sets res.locals.user, res.locals.claims and res.locals.actor, or answers 401. */
export const requireAuth =
  (ctx: AuthCtx): RequestHandler =>
  async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) throw new AppError('unauthorized');
    const { user, claims } = await authenticate(ctx, token);
    res.locals.user = user;
    res.locals.claims = claims;
    res.locals.actor = { userId: user.id };
    next();
  };

/**
 * Register and login: refused `unavailable` at once, before any database work, while password hashing
 * is full (the check that counts is the hash's own; this one only sheds a flood early and cheaply).
 */
export const unlessHashingIsFull =
  (ctx: AuthCtx): RequestHandler =>
  (_req, _res, next) => {
    next(ctx.passwords.full ? hashingBusy() : undefined);
  };
