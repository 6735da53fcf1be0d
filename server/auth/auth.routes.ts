import { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { loginSchema, registerSchema } from '../../shared/schemas';
import { AppError } from '../core/errors';
import { validate } from '../core/validate';
import type { AuthCtx } from './auth.context';
import { requireAuth, unlessHashingIsFull } from './auth.middleware';
import { login, logoutAll, refresh, register, type SetUpAccount } from './auth.service';

/** /api/auth: register, login, me, refresh, logout-all. */
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
    handler: (_req, _res, next) => next(new AppError('rate_limited', 'Too many attempts, try again in a minute')),
  });
  const auth = requireAuth(ctx);
  const hashing = unlessHashingIsFull(ctx); // a flood of logins is refused before it reads the database

  return Router()
    .post('/register', attempts, hashing, async (req, res) => {
      res.status(201).json(await register(ctx, validate(registerSchema, req.body), setUpAccount));
    })
    .post('/login', attempts, hashing, async (req, res) => {
      res.json(await login(ctx, validate(loginSchema, req.body), req.ip ?? ''));
    })
    .get('/me', auth, (_req, res) => {
      res.json({ user: res.locals.user.toDto() });
    })
    .post('/refresh', auth, (_req, res) => {
      res.json(refresh(ctx, res.locals.user));
    })
    .post('/logout-all', auth, async (_req, res) => {
      await logoutAll(ctx, res.locals.user.id);
      res.status(204).end();
    });
}
