/** Accounts and tokens: register, login, authenticate, refresh, logout, logout-all. */
import { QueryTypes, UniqueConstraintError, type Transaction } from 'sequelize';
import { LIMITS } from '../../shared/limits';
import type { LoginInput, RegisterInput } from '../../shared/schemas';
import type { AuthResult } from '../../shared/types';
import { AppError } from '../core/errors';
import type { AuthCtx as Ctx } from './auth.context';
import { User } from './user.model';
import type { Claims, IssuedToken } from './tokens';

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

/** A signed-in answer, and the device cookie to hand the device it came from. */
export interface SignedIn {
  result: AuthResult;
  device: string;
}

/** Who is trying to sign in: the client's address, and the device cookies it presented. */
export interface LoginFrom {
  address: string;
  devices: string[];
}

/** Creates the user, and what `setUp` adds to a new account, in one transaction. */
export async function register(ctx: Ctx, input: RegisterInput, setUp: SetUpAccount): Promise<SignedIn> {
  const passwordHash = await ctx.passwords.hash(input.password);
  try {
    const user = await ctx.sequelize.transaction(async (t) => {
      const created = await User.create({ email: input.email, name: input.name, passwordHash }, { transaction: t });
      await setUp(t, created.id);
      return created;
    });
    return { result: issue(ctx, user), device: ctx.devices.issue(user.id) };
  } catch (err) {
    if (err instanceof UniqueConstraintError) throw new AppError('email_taken');
    throw err;
  }
}

/**
 * Checks the password of `input.email`, tried from `from`. An account that failed too often, from
 * this address or from all of them, is refused first, whatever the password (unknown emails alike);
 * a device that presents a device cookie of this account is held by its own failures only.
 */
export async function login(ctx: Ctx, input: LoginInput, from: LoginFrom): Promise<SignedIn> {
  const user = await User.findOne({ where: { email: input.email } });
  const device = ctx.devices.deviceOf(from.devices, user?.id);
  await ctx.rates.checkLogin(input.email, from.address, device);
  const hash = user?.passwordHash ?? (await dummyHash(ctx));
  const ok = await ctx.passwords.compare(input.password, hash);
  // bcrypt reads 72 bytes only: a longer password was never registered, whatever its first 72 bytes
  const tooLong = Buffer.byteLength(input.password) > LIMITS.passwordMaxBytes;
  if (!user || !ok || tooLong) {
    await ctx.rates.loginFailed(input.email, from.address, device);
    throw new AppError('invalid_credentials');
  }
  await ctx.rates.loginSucceeded(input.email, from.address, device);
  // a new cookie on every sign-in (a new nonce: the old one's failures stay with it)
  return { result: issue(ctx, user), device: ctx.devices.issue(user.id) };
}

/** SQL: whether the token `tokenIdSql` (a bind parameter or an escaped literal) was revoked by a log out. */
const revokedSql = (tokenIdSql: string) => `EXISTS (SELECT 1 FROM revoked_tokens WHERE token_id = ${tokenIdSql})`;

/**
 * The user a token belongs to, if the token is valid and was revoked neither by logout-all nor by log
 * out: one query, the user's row and the token's revocation together.
 */
export async function authenticate(ctx: Ctx, token: unknown): Promise<{ user: User; claims: Claims }> {
  const claims = ctx.tokens.verify(token);
  const user = await User.findOne({
    where: { id: claims.sub },
    attributes: { include: [[ctx.sequelize.literal(revokedSql(ctx.sequelize.escape(claims.tokenId))), 'revoked']] },
  });
  if (user) ctx.tokenVersions.seen(user.id, user.tokenVersion);
  const revoked = user?.get('revoked') === true;
  if (user) ctx.revocations.seen(claims.tokenId, revoked);
  if (!user || user.tokenVersion !== claims.ver || revoked) throw new AppError('unauthorized', 'The token was revoked');
  return { user, claims };
}

/**
 * A token's user and version, if the token is valid and not revoked: what a socket needs, read with
 * one small query (no model instance). `claims`: the token's, when the caller verified it already.
 */
export async function checkToken(
  ctx: Ctx,
  token: unknown,
  claims: Claims = ctx.tokens.verify(token),
): Promise<{ userId: string; version: number; exp: number; tokenId: string }> {
  const rows = await ctx.sequelize.query<{ version: number; revoked: boolean }>(
    `SELECT token_version AS version, ${revokedSql('$2')} AS revoked FROM users WHERE id = $1`,
    {
      bind: [claims.sub, claims.tokenId],
      type: QueryTypes.SELECT,
    },
  );
  const row = rows.at(0);
  if (row) {
    ctx.tokenVersions.seen(claims.sub, row.version);
    ctx.revocations.seen(claims.tokenId, row.revoked);
  }
  if (row?.version !== claims.ver || row.revoked) throw new AppError('unauthorized', 'The token was revoked');
  return { userId: claims.sub, version: claims.ver, exp: claims.exp, tokenId: claims.tokenId };
}

export function refresh(ctx: Ctx, user: User): IssuedToken {
  return ctx.tokens.sign(user.id, user.tokenVersion);
}

/**
 * Log out: revokes this one token (the user's other tokens, other devices, keep working) and
 * disconnects the sockets holding it, on every node. The row is kept until the token would have
 * expired (maintenance.ts removes it then).
 */
export async function logout(ctx: Ctx, userId: string, claims: Pick<Claims, 'tokenId' | 'exp'>): Promise<void> {
  await ctx.sequelize.query(
    'INSERT INTO revoked_tokens (token_id, user_id, expires_at) VALUES ($1, $2, to_timestamp($3)) ON CONFLICT (token_id) DO NOTHING',
    { bind: [claims.tokenId, userId, claims.exp] },
  );
  ctx.notifier.revokeToken(claims.tokenId);
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
