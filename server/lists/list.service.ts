/** Lists and their members: every rule and every authorization check, for sockets and HTTP alike. */
import { QueryTypes, type Transaction } from 'sequelize';
import type {
  ListCreateInput,
  ListDeleteInput,
  ListRenameInput,
  ListShareInput,
  ListUnshareInput,
} from '../../shared/events';
import type { List as ListDto, Member } from '../../shared/types';
import type { Actor, Ctx } from '../changes/context';
import { User } from '../auth/user.model';
import { mutate, type ChangeScope } from '../changes/mutate';
import { AppError } from '../core/errors';
import type { Outbox } from '../changes/outbox';
import { shareableUser } from './block.service';
import { ANY_MEMBER, authorize, idsOf, OWNER, WRITERS, type MemberRow } from './access';
import { takeSeq, type TakeOptions, type Taken } from './list-seq';
import { closeListRoom, joinListRoom, leaveListRoom } from './list-rooms';
import { List } from './list.model';
import { ListMember } from './member.model';
import { memberLeft } from './member-left';
import { lockUser } from './user-lock';

/** Creates a list owned by `ownerId` inside an open transaction. */
export async function createListIn(t: Transaction, ownerId: string, name: string, id?: string): Promise<List> {
  const list = await List.create({ id, name, ownerId }, { transaction: t });
  await ListMember.create({ listId: list.id, userId: ownerId, role: 'owner' }, { transaction: t });
  return list;
}

export async function createList(ctx: Ctx, actor: Actor, input: ListCreateInput): Promise<{ list: ListDto }> {
  return mutate(ctx, actor, { event: 'list:create', mutationId: input.mutationId }, async ({ t, out, lockId }) => {
    if (input.id) {
      await lockId('list', input.id); // a retry sent meanwhile waits, then finds the list
      const existing = await List.findByPk(input.id, { transaction: t });
      // a retried create of the same list gets the same answer; anyone else's id is taken
      if (existing?.ownerId === actor.userId) return { list: existing.toDto('owner') };
      if (existing) throw new AppError('conflict', 'A list with this id exists already');
    }
    await checkListRoom(ctx, t, actor.userId);
    const list = await createListIn(t, actor.userId, input.name, input.id);
    out.after(() => joinListRoom(ctx, actor.userId, list.id));
    const dto = list.toDto('owner');
    out.add({ event: 'list:created', payload: { list: dto }, to: [actor.userId] });
    return { list: dto };
  });
}

export async function renameList(ctx: Ctx, actor: Actor, input: ListRenameInput): Promise<{ list: ListDto }> {
  return mutate(ctx, actor, { event: 'list:rename', mutationId: input.mutationId }, async (scope) => {
    const { t, out } = scope;
    const { seq, members } = await lockList(ctx, scope, input.id);
    const role = authorize(members, actor.userId, WRITERS);
    const list = (await List.findByPk(input.id, { transaction: t }))!;
    await list.update({ name: input.name }, { transaction: t });
    scope.log({ listId: list.id, seq, kind: 'list.renamed' });
    announceList(out, list, members, seq);
    return { list: list.toDto(role) };
  });
}

export async function deleteList(ctx: Ctx, actor: Actor, input: ListDeleteInput): Promise<{ id: string }> {
  return mutate(ctx, actor, { event: 'list:delete', mutationId: input.mutationId }, async (scope) => {
    const { t, out } = scope;
    const { listId, seq, members } = await lockList(ctx, scope, input.id);
    authorize(members, actor.userId, OWNER);
    await List.destroy({ where: { id: input.id }, transaction: t }); // members, tasks and activity go by cascade
    scope.log({ listId, seq, kind: 'list.deleted' }); // the list's id as stored (the input's may be in braces)
    out.after(() => closeListRoom(ctx, input.id));
    out.add({ event: 'list:deleted', payload: { id: input.id }, to: idsOf(members), listId: input.id, seq });
    return { id: input.id };
  });
}

/** Adds a member by email (or changes a member's role). */
export async function shareList(
  ctx: Ctx,
  actor: Actor,
  input: ListShareInput,
): Promise<{ member: Member; seq: number }> {
  await ctx.rates.spendShare(actor.userId); // each try counts, found or not: email guessing stays slow
  return mutate(ctx, actor, { event: 'list:share' }, async (scope) => {
    const { t, out } = scope;
    const { listId, seq, members } = await lockList(ctx, scope, input.listId, { roster: true });
    authorize(members, actor.userId, OWNER);
    // someone who blocks the caller is answered like an email with no account: a block does not show
    const user = await shareableUser(ctx, t, input.email, actor.userId);
    if (!user) throw new AppError('not_found', 'No user has this email');
    const current = members.find((m) => m.userId === user.id);
    if (current?.role === 'owner') throw new AppError('forbidden', 'The owner\u2019s role cannot change');
    if (current?.role === input.role) throw new AppError('conflict', `This user is ${input.role} already`);
    if (!current && members.length >= ctx.config.maxMembersPerList) {
      throw new AppError('limit_exceeded', `A list has at most ${ctx.config.maxMembersPerList} members`);
    }
    if (!current) await checkListRoom(ctx, t, user.id);
    await ListMember.upsert({ listId, userId: user.id, role: input.role }, { transaction: t });
    out.after(() => joinListRoom(ctx, user.id, listId));
    const member: Member = {
      listId,
      userId: user.id,
      email: user.email,
      name: user.name,
      role: input.role,
    };
    if (current) {
      // a role change: every member hears of it (the changed one included), the sender by its ack
      scope.log({
        listId,
        seq,
        kind: 'member.updated',
        userId: user.id,
        changes: { role: [current.role, input.role] },
      });
      out.add({ event: 'member:updated', payload: { member, seq }, to: idsOf(members), listId, seq });
      return { member, seq };
    }
    const list = (await List.findByPk(listId, { transaction: t }))!;
    scope.log({ listId, seq, kind: 'member.added', userId: user.id });
    // the new member first learns of the list, then everyone (them included) of the member
    out.add({ event: 'list:created', payload: { list: list.toDto(input.role) }, to: [user.id], listId, seq });
    out.add({ event: 'member:added', payload: { member, seq }, to: [...idsOf(members), user.id], listId, seq });
    return { member, seq };
  });
}

/** Removes a member: the owner removes anyone else; any member may remove themselves (leave). */
export async function unshareList(
  ctx: Ctx,
  actor: Actor,
  input: ListUnshareInput,
): Promise<{ listId: string; userId: string; seq: number }> {
  return mutate(ctx, actor, { event: 'list:unshare' }, async (scope) => {
    const { t, out } = scope;
    const { listId, seq, members, now } = await lockList(ctx, scope, input.listId, { roster: true });
    const self = input.userId === actor.userId;
    const role = authorize(members, actor.userId, self ? ANY_MEMBER : OWNER);
    if (self && role === 'owner')
      throw new AppError('forbidden', 'The owner cannot leave their list; delete it instead');
    if (!members.some((m) => m.userId === input.userId)) throw new AppError('not_found', 'This user is not a member');
    await ListMember.destroy({ where: { listId: listId, userId: input.userId }, transaction: t });
    out.after(() => leaveListRoom(ctx, input.userId, listId));
    scope.log({ listId, seq, kind: 'member.removed', userId: input.userId });
    out.add({
      event: 'member:removed',
      payload: { listId: listId, userId: input.userId, seq },
      to: idsOf(members),
      listId,
      seq,
    });
    // their tasks are unassigned after it, each a change of its own, for those who stay
    const stay = members.filter((m) => m.userId !== input.userId);
    await memberLeft(ctx, actor, scope, { userId: input.userId, lists: [{ listId, members: stay, at: now }] });
    return { listId: listId, userId: input.userId, seq };
  });
}

/** The members of a list, for its members. */
export async function listMembers(actor: Actor, listId: string): Promise<{ members: Member[] }> {
  const members = await ListMember.findAll({
    where: { listId },
    include: [{ model: User, as: 'user', attributes: ['email', 'name'] }],
    order: [['createdAt', 'ASC']],
  });
  authorize(members, actor.userId, ANY_MEMBER);
  return { members: members.map((m) => m.toDto()) };
}

async function lockList(ctx: Ctx, scope: ChangeScope, listId: string, opts?: TakeOptions): Promise<Taken> {
  const taken = await takeSeq(ctx, scope, listId, opts);
  if (!taken) throw new AppError('not_found', 'List not found');
  return taken;
}

/**
 * Refuses a list more for a user who belongs to the most lists already. The user's row is locked
 * until commit, so concurrent creates and shares for one user are counted one after the other, on
 * every process and node (the lock is PostgreSQL's).
 */
async function checkListRoom(ctx: Ctx, t: Transaction, userId: string): Promise<void> {
  await lockUser(ctx, t, userId);
  const rows = await ctx.sequelize.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM list_members WHERE user_id = $1',
    { bind: [userId], type: QueryTypes.SELECT, transaction: t },
  );
  if ((rows.at(0)?.n ?? 0) >= ctx.config.maxListsPerUser) {
    throw new AppError('limit_exceeded', `A user belongs to at most ${ctx.config.maxListsPerUser} lists`);
  }
}

/** list:updated carries the receiver's role, so members are told in one note per role. */
function announceList(out: Outbox, list: List, members: MemberRow[], seq: number): void {
  for (const role of ['owner', 'editor', 'viewer'] as const) {
    const to = members.filter((m) => m.role === role).map((m) => m.userId);
    if (to.length) out.add({ event: 'list:updated', payload: { list: list.toDto(role) }, to, listId: list.id, seq });
  }
}
