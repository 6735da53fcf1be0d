/**
 * Blocks: a user refuses the shares of a person. A blocked person's `list:share` to the blocker is
 * answered exactly as one to an email with no account (shareableUser), so a block cannot be told
 * from a missing account. Blocking removes no membership by itself; `leave` also leaves every list
 * the person owns, in the same transaction.
 */
import { QueryTypes, type Transaction } from 'sequelize';
import type { UserBlockInput, UserUnblockInput } from '../../shared/events';
import type { Block } from '../../shared/types';
import { User } from '../auth/user.model';
import type { Actor, Ctx } from '../changes/context';
import { mutate } from '../changes/mutate';
import { AppError } from '../core/errors';
import { UserBlock } from './block.model';
import { leaveAllIn } from './leave.service';
import { lockUser } from './user-lock';

/** Blocks a person (a repeat answers the block as it is); with `leave`, also leaves their lists. */
export async function blockUser(
  ctx: Ctx,
  actor: Actor,
  input: UserBlockInput,
): Promise<{ block: Block; listIds: string[] }> {
  if (input.userId === actor.userId) throw new AppError('validation_error', 'You cannot block yourself');
  return mutate(ctx, actor, { event: 'user:block', mutationId: input.mutationId }, async (scope) => {
    const { t } = scope;
    const person = await User.findByPk(input.userId, { transaction: t });
    if (!person) throw new AppError('not_found', 'No such user');
    // the id as stored: the same uuid may be sent in upper case or in braces
    if (person.id === actor.userId) throw new AppError('validation_error', 'You cannot block yourself');
    // the lists first, then the user's row: the order list:share takes them in (no deadlock)
    const listIds = input.leave ? await leaveAllIn(ctx, actor, scope, actor.userId, input.userId) : [];
    await lockUser(ctx, t, actor.userId); // concurrent blocks of one user are counted one after the other
    let block = await UserBlock.findOne({
      where: { blockerId: actor.userId, blockedId: input.userId },
      transaction: t,
    });
    if (!block) {
      if ((await countBlocks(ctx, t, actor.userId)) >= ctx.config.maxBlocksPerUser) {
        throw new AppError('limit_exceeded', `A user blocks at most ${ctx.config.maxBlocksPerUser} people`);
      }
      block = await UserBlock.create({ blockerId: actor.userId, blockedId: input.userId }, { transaction: t });
    }
    return { block: block.toDto(person), listIds };
  });
}

/** Lifts a block; `not_found` if there is none. */
export async function unblockUser(ctx: Ctx, actor: Actor, input: UserUnblockInput): Promise<{ userId: string }> {
  return mutate(ctx, actor, { event: 'user:unblock', mutationId: input.mutationId }, async ({ t }) => {
    const removed = await UserBlock.destroy({
      where: { blockerId: actor.userId, blockedId: input.userId },
      transaction: t,
    });
    if (!removed) throw new AppError('not_found', 'This user is not blocked');
    return { userId: input.userId };
  });
}

/** The people the user blocks, oldest block first (at most MAX_BLOCKS_PER_USER, so one answer). */
export async function listBlocks(ctx: Ctx, actor: Actor): Promise<{ blocks: Block[] }> {
  const blocks = await UserBlock.findAll({
    where: { blockerId: actor.userId },
    include: [{ model: User, as: 'blocked', attributes: ['email', 'name'] }],
    order: [
      ['createdAt', 'ASC'],
      ['blockedId', 'ASC'],
    ],
    limit: ctx.config.maxBlocksPerUser,
  });
  return { blocks: blocks.map((b) => b.toDto()) };
}

/**
 * The user with this email, unless they block `sharerId`: one statement either way, so a block
 * answers like a missing account in what it says and in how long it takes.
 */
export async function shareableUser(
  ctx: Ctx,
  t: Transaction,
  email: string,
  sharerId: string,
): Promise<User | undefined> {
  const users = await ctx.sequelize.query<User>(
    // lower(): the index on emails is on lower(email) (they are stored lower-cased)
    `SELECT u.* FROM users u WHERE lower(u.email) = lower($1)
        AND NOT EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocker_id = u.id AND b.blocked_id = $2)`,
    { bind: [email, sharerId], model: User, mapToModel: true, transaction: t },
  );
  return users.at(0);
}

async function countBlocks(ctx: Ctx, t: Transaction, userId: string): Promise<number> {
  const rows = await ctx.sequelize.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM user_blocks WHERE blocker_id = $1',
    { bind: [userId], type: QueryTypes.SELECT, transaction: t },
  );
  return rows.at(0)?.n ?? 0;
}
