import { Router, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit, type RateLimitInfo } from 'express-rate-limit';
import { loginSchema, registerSchema } from '../../shared/schemas';
import { rateLimited } from '../core/errors';
import { validate } from '../core/validate';
import type { AuthCtx } from './auth.context';
import { requireAuth, unlessHashingIsFull } from './auth.middleware';
import { login, logout, logoutAll, refresh, register, type SetUpAccount, type SignedIn } from './auth.service';
import { DEVICE_COOKIE, cookieValues, deviceCookieOptions } from './devices';

/** /api/auth: register, login, me, refresh, logout, logout-all. */
export function authRoutes(ctx: AuthCtx, setUpAccount: SetUpAccount): Router {
  // register and login attempts share one budget per client address
  const attempts = rateLimit({
    windowMs: 60_000,
    limit: ctx.config.authRateLimit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    validate: { trustProxy: false, xForwardedForHeader: false }, // TRUST_PROXY is the operator's choice (config warns of `true`)
    store: ctx.rates.addressStore('auth'), // shared by every node with Redis
    passOnStoreError: true, // Redis away: the attempt is let through rather than refused
    handler: (req, _res, next) => {
      const reset = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit?.resetTime?.getTime();
      next(rateLimited('Too many attempts, try again in a minute', reset === undefined ? 60_000 : reset - Date.now()));
    },
  });
  const auth = requireAuth(ctx);
  const hashing = unlessHashingIsFull(ctx); // a flood of logins is refused before it reads the database
  // reads of the session count like any request of the user (one unit of their event budget)
  const spend: RequestHandler = async (_req, res, next) => {
    await ctx.rates.spendEvent(res.locals.user.id);
    next();
  };
  /** The answer of a sign-in, with the device cookie that makes this device a known one (devices.ts). */
  const signedIn = (req: Request, res: Response, status: number, { result, device }: SignedIn) => {
    res.cookie(DEVICE_COOKIE, device, deviceCookieOptions(req.secure));
    res.status(status).json(result);
  };

  return Router()
    .post('/register', attempts, hashing, async (req, res) => {
      signedIn(req, res, 201, await register(ctx, validate(registerSchema, req.body), setUpAccount));
    })
    .post('/login', attempts, hashing, async (req, res) => {
      const from = { address: req.ip ?? '', devices: cookieValues(req.headers.cookie, DEVICE_COOKIE) };
      signedIn(req, res, 200, await login(ctx, validate(loginSchema, req.body), from));
    })
    .get('/me', auth, spend, (_req, res) => {
      res.json({ user: res.locals.user.toDto() });
    })
    .post('/refresh', auth, spend, (_req, res) => {
      res.json(refresh(ctx, res.locals.user));
    })
    .post('/logout', auth, async (_req, res) => {
      await logout(ctx, res.locals.user.id, res.locals.claims);
      res.status(204).end();
    })
    .post('/logout-all', auth, async (_req, res) => {
      await logoutAll(ctx, res.locals.user.id);
      res.status(204).end();
    });
}
