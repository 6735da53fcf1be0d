/** Accounts and tokens: register, login, authenticate, refresh, logout-all. */
import { QueryTypes, UniqueConstraintError, type Transaction } from 'sequelize';
import { LIMITS } from '../../shared/limits';
import type { LoginInput, RegisterInput } from '../../shared/schemas';
import type { AuthResult } from '../../shared/types';
import { AppError } from '../core/errors';
import type { AuthCtx as Ctx } from './auth.context';
import { User } from './user.model';
import type { IssuedToken } from './tokens';

/** What a new account gets besides its user row, in the same transaction (the app gives every user an Inbox). */
export type SetUpAccount = (t: Transaction, userId: string) => Promise<unknown>;

const dummyHashes = new Map<number, Promise<string>>();

/** A hash to compare against when the email is unknown, so that both failures cost one bcrypt. */
function dummyHash(ctx: Ctx): Promise<string> {
  const rounds = ctx.config.bcryptRounds;
  if (!dummyHashes.has(rounds)) {
    const made = ctx.passwords.hash('not-a-real-password');
    dummyHashes.set(rounds, made);
    made.catch(() => dummyHashes.delete(rounds)); // refused while hashing was busy: made on a later login
  }
  return dummyHashes.get(rounds)!;
}

function issue(ctx: Ctx, user: User): AuthResult {
  return { user: user.toDto(), ...ctx.tokens.sign(user.id, user.tokenVersion) };
}

/** Creates the user, and what `setUp` adds to a new account, in one transaction. */
export async function register(ctx: Ctx, input: RegisterInput, setUp: SetUpAccount): Promise<AuthResult> {
  const passwordHash = await ctx.passwords.hash(input.password);
  try {
    const user = await ctx.sequelize.transaction(async (t) => {
      const created = await User.create({ email: input.email, name: input.name, passwordHash }, { transaction: t });
      await setUp(t, created.id);
      return created;
    });
    return issue(ctx, user);
  } catch (err) {
    if (err instanceof UniqueConstraintError) throw new AppError('email_taken');
    throw err;
  }
}

/**
 * Checks the password of `input.email`, tried from `address`. An account that failed too often, from
 * this address or from all of them, is refused first, whatever the password (unknown emails alike).
 */
export async function login(ctx: Ctx, input: LoginInput, address: string): Promise<AuthResult> {
  await ctx.rates.checkLogin(input.email, address);
  const user = await User.findOne({ where: { email: input.email } });
  const hash = user?.passwordHash ?? (await dummyHash(ctx));
  const ok = await ctx.passwords.compare(input.password, hash);
  // bcrypt reads 72 bytes only: a longer password was never registered, whatever its first 72 bytes
  const tooLong = Buffer.byteLength(input.password) > LIMITS.passwordMaxBytes;
  if (!user || !ok || tooLong) {
    await ctx.rates.loginFailed(input.email, address);
    throw new AppError('invalid_credentials');
  }
  await ctx.rates.loginSucceeded(input.email, address);
  return issue(ctx, user);
}

/** The user a token belongs to, if the token is valid and was not revoked by logout-all. */
export async function authenticate(ctx: Ctx, token: unknown): Promise<{ user: User; exp: number }> {
  const claims = ctx.tokens.verify(token);
  const user = await User.findByPk(claims.sub);
  if (user) ctx.sessions.seen(user.id, user.tokenVersion);
  if (!user || user.tokenVersion !== claims.ver) throw new AppError('unauthorized', 'The token was revoked');
  return { user, exp: claims.exp };
}

/**
 * A token's user and version, if the token is valid and not revoked: what a socket needs, read with
 * one small query (no model instance).
 */
export async function checkToken(ctx: Ctx, token: unknown): Promise<{ userId: string; version: number; exp: number }> {
  const claims = ctx.tokens.verify(token);
  const rows = await ctx.sequelize.query<{ version: number }>(
    'SELECT token_version AS version FROM users WHERE id = $1',
    {
      bind: [claims.sub],
      type: QueryTypes.SELECT,
    },
  );
  const row = rows.at(0);
  if (row) ctx.sessions.seen(claims.sub, row.version);
  if (row?.version !== claims.ver) throw new AppError('unauthorized', 'The token was revoked');
  return { userId: claims.sub, version: claims.ver, exp: claims.exp };
}

export function refresh(ctx: Ctx, user: User): IssuedToken {
  return ctx.tokens.sign(user.id, user.tokenVersion);
}

/** Revokes every token issued so far to the user, and disconnects their sockets on every node. */
export async function logoutAll(ctx: Ctx, userId: string): Promise<void> {
  const rows = await ctx.sequelize.query<{ version: number }>(
    'UPDATE users SET token_version = token_version + 1, updated_at = now() WHERE id = $1 RETURNING token_version AS version',
    { bind: [userId], type: QueryTypes.SELECT },
  );
  const row = rows.at(0); // none when the user is gone
  if (row) ctx.notifier.revokeUser(userId, row.version);
}
