/**
 * Leaving every list one person owns at once (`lists:leave`, and `user:block` with `leave`): each
 * list is left exactly as by `list:unshare` of oneself, with its own seq and `member:removed` to
 * everyone who was a member, in one transaction.
 */
import { QueryTypes } from 'sequelize';
import type { ListsLeaveInput } from '../../shared/events';
import type { Actor, Ctx } from '../changes/context';
import { mutate, type ChangeScope } from '../changes/mutate';
import { AppError } from '../core/errors';
import { lockLists, takeSeqs } from './list-seq';
import { leaveListRoom } from './list-rooms';
import { memberLeft } from './member-left';

/** Leaves every list that `ownerId` owns and the caller is a member of; answers the lists left. */
export async function leaveListsOf(ctx: Ctx, actor: Actor, input: ListsLeaveInput): Promise<{ listIds: string[] }> {
  if (input.ownerId === actor.userId)
    throw new AppError('forbidden', 'The owner cannot leave their lists; delete them instead');
  return mutate(ctx, actor, { event: 'lists:leave', mutationId: input.mutationId }, async (scope) => ({
    listIds: await leaveAllIn(ctx, actor, scope, actor.userId, input.ownerId),
  }));
}

/**
 * Inside a mutation: `userId` leaves every list of `ownerId`. The work is bounded: a user belongs to
 * at most MAX_LISTS_PER_USER lists. The lists are locked in id order before anything changes; a
 * membership that went meanwhile (a removal took the list's lock first) is not left again.
 */
export async function leaveAllIn(
  ctx: Ctx,
  actor: Actor,
  scope: ChangeScope,
  userId: string,
  ownerId: string,
): Promise<string[]> {
  const { t, out } = scope;
  const candidates = await ctx.sequelize.query<{ id: string }>(
    `SELECT m.list_id AS id FROM list_members m JOIN lists l ON l.id = m.list_id
      WHERE m.user_id = $1 AND l.owner_id = $2 AND m.role <> 'owner' ORDER BY m.list_id LIMIT $3`,
    { bind: [userId, ownerId, ctx.config.maxListsPerUser], type: QueryTypes.SELECT, transaction: t },
  );
  if (!candidates.length) return [];
  await lockLists(
    ctx,
    scope,
    candidates.map((c) => c.id),
  );
  // read under the locks: the memberships still there
  const left = await ctx.sequelize.query<{ id: string }>(
    `DELETE FROM list_members WHERE user_id = $1 AND role <> 'owner' AND list_id = ANY($2::uuid[])
      RETURNING list_id AS id`,
    { bind: [userId, candidates.map((c) => c.id)], type: QueryTypes.SELECT, transaction: t },
  );
  const listIds = left.map((l) => l.id).sort();
  const lists = await takeSeqs(
    ctx,
    scope,
    listIds.map((listId) => ({ listId, roster: true })),
    true,
  );
  for (const listId of listIds) {
    const { seq, members } = lists.get(listId)!;
    scope.log({ listId, seq, kind: 'member.removed', userId });
    out.after(() => leaveListRoom(ctx, userId, listId)); // committed: the user's sockets follow
    out.add({
      event: 'member:removed',
      payload: { listId, userId, seq },
      to: [userId, ...members.map((m) => m.userId)], // those who stayed, and who left
      listId,
      seq,
    });
  }
  // their tasks are unassigned after it, each a change of its own, for those who stay
  await memberLeft(ctx, actor, scope, {
    userId,
    lists: listIds.map((listId) => {
      const { members, now } = lists.get(listId)!;
      return { listId, members, at: now };
    }),
  });
  return listIds;
}
