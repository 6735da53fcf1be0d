/**
 * Comments: create, edit and delete, each one `mutate()` (changes/mutate.ts) that takes the list's seq
 * with its members (lists/list-seq.ts) and reads the rows its rules need in the same message: one
 * round trip for the seq, the role and the rows, one for the write, one for the activity entry, the
 * mutation record and the COMMIT. A comment on a task in the trash (or gone) is `not_found`.
 * Reads: comment.reads.ts.
 */
import crypto from 'node:crypto';
import type { EventPayload } from '../../shared/events';
import type { EventInput } from '../../shared/schemas';
import type { Comment as CommentDto, CommentDeleted } from '../../shared/types';
import type { Actor, Ctx } from '../changes/context';
import { mutate, type ChangeScope } from '../changes/mutate';
import { AppError } from '../core/errors';
import { ANY_MEMBER, authorize, type MemberRow } from '../lists/access';
import { takeSeqOfRowWith, takeSeqOfTaskWith, type Taken } from '../lists/list-seq';
import { ListMember } from '../lists/member.model';
import { Comment } from './comment.model';

/** Writes skip Sequelize's validation pass and hooks: the shared joi schema checked the values. */
const FAST = { validate: false, hooks: false, returning: false } as const;

export async function createComment(
  ctx: Ctx,
  actor: Actor,
  input: EventInput<'comment:create'>,
): Promise<{ comment: CommentDto }> {
  const { taskId } = input;
  const opts = { event: 'comment:create', mutationId: input.mutationId, retried: retriedCreate(actor, input.id) };
  return mutate(ctx, actor, opts, async (scope) => {
    const task = ctx.sequelize.escape(taskId);
    // read once the list's lock is held: the task still live there, and its live comments
    const { list, rows } = await takeSeqOfTaskWith(
      ctx,
      scope,
      taskId,
      `SELECT (SELECT list_id FROM tasks WHERE id = ${task} AND deleted_at IS NULL) AS "listId",
              (SELECT count(*) FROM comments WHERE task_id = ${task} AND deleted_at IS NULL) AS n`,
    );
    if (!list) throw new AppError('not_found', 'Task not found');
    authorize(list.members, actor.userId, ANY_MEMBER, 'Task');
    const { listId, n } = rows[0] as { listId: string | null; n: number };
    if (listId !== list.listId) throw new AppError('not_found', 'Task not found');
    if (n >= ctx.config.maxCommentsPerTask) {
      throw new AppError('limit_exceeded', `A task holds at most ${ctx.config.maxCommentsPerTask} comments`);
    }
    const mentions = checkMentions(input.mentions ?? [], list.members);
    const comment = Comment.build({
      id: input.id ?? crypto.randomUUID(),
      taskId,
      listId: list.listId,
      authorId: actor.userId,
      body: input.body,
      mentions,
      notified: mentions,
      seq: list.seq,
      createdAt: list.now,
      editedAt: null,
      deletedAt: null,
    });
    await comment.save({ ...FAST, transaction: scope.t });
    scope.log({ listId: list.listId, seq: list.seq, kind: 'comment.created', taskId, commentId: comment.id });
    const answer = { comment: comment.toDto() };
    tell(scope, 'comment:created', answer, list);
    mention(scope, answer, mentions);
    return answer;
  });
}

/**
 * A create retried by its `id` (its answer lost, or sent from two devices): its author, still a member
 * of its list, gets it as it is; anyone else's id is taken.
 */
const retriedCreate =
  (actor: Actor, id: string | undefined) =>
  async (err: unknown): Promise<{ comment: CommentDto } | undefined> => {
    if (!id) return undefined;
    const existing = await Comment.findByPk(id);
    if (!existing) return undefined;
    const member = (await ListMember.count({ where: { listId: existing.listId, userId: actor.userId } })) > 0;
    if (existing.authorId === actor.userId && member) {
      if (existing.deletedAt) throw new AppError('conflict', 'This comment was created and deleted since');
      return { comment: existing.toDto() };
    }
    if (err instanceof AppError) return undefined; // refused before its id was found taken
    throw new AppError('conflict', 'A comment with this id exists already');
  };

export async function updateComment(
  ctx: Ctx,
  actor: Actor,
  input: EventInput<'comment:update'>,
): Promise<{ comment: CommentDto }> {
  return mutate(ctx, actor, { event: 'comment:update', mutationId: input.mutationId }, async (scope) => {
    const { list, current } = await takeOfComment(ctx, scope, actor, input.id);
    if (current.authorId !== actor.userId) throw new AppError('forbidden', 'Only its author may edit a comment');
    const mentions = input.mentions === undefined ? current.mentions : checkMentions(input.mentions, list.members);
    const added = mentions.filter((m) => !current.notified.includes(m));
    const values = {
      body: input.body,
      mentions,
      notified: [...current.notified, ...added],
      seq: list.seq,
      editedAt: list.now,
    };
    await Comment.update(values, { ...FAST, where: { id: current.id }, transaction: scope.t });
    current.set(values, { raw: true });
    scope.log({
      listId: list.listId,
      seq: list.seq,
      kind: 'comment.updated',
      taskId: current.taskId,
      commentId: current.id,
    });
    const answer = { comment: current.toDto() };
    tell(scope, 'comment:updated', answer, list);
    mention(scope, answer, added);
    return answer;
  });
}

export async function deleteComment(
  ctx: Ctx,
  actor: Actor,
  input: EventInput<'comment:delete'>,
): Promise<CommentDeleted> {
  return mutate(ctx, actor, { event: 'comment:delete', mutationId: input.mutationId }, async (scope) => {
    const { list, current, role } = await takeOfComment(ctx, scope, actor, input.id);
    if (current.authorId !== actor.userId && role !== 'owner') {
      throw new AppError('forbidden', 'Only its author or the list\u2019s owner may delete a comment');
    }
    // the row stays as the comment's tombstone (for sync), its text gone
    const values = { body: '', mentions: [], seq: list.seq, deletedAt: list.now };
    await Comment.update(values, { ...FAST, where: { id: current.id }, transaction: scope.t });
    const deleted: CommentDeleted = { id: current.id, taskId: current.taskId, listId: list.listId, seq: list.seq };
    scope.log({
      listId: list.listId,
      seq: list.seq,
      kind: 'comment.deleted',
      taskId: current.taskId,
      commentId: current.id,
    });
    tell(scope, 'comment:deleted', deleted, list);
    return deleted;
  });
}

/** The list of a live comment (on a live task): `?` its id. */
const LIST_OF_COMMENT = `SELECT c.list_id FROM comments c
  JOIN tasks t ON t.id = c.task_id AND t.list_id = c.list_id AND t.deleted_at IS NULL
  WHERE c.id = ? AND c.deleted_at IS NULL`;

/** The comment's row, every attribute under its model name, and whether its task is live in its list. */
const selectComment = (ctx: Ctx, id: string) =>
  `SELECT ${Object.entries(Comment.getAttributes())
    .map(([name, a]) => `c."${a.field ?? name}" AS "${name}"`)
    .join(', ')},
    EXISTS (SELECT 1 FROM tasks t WHERE t.id = c.task_id AND t.list_id = c.list_id AND t.deleted_at IS NULL) AS "taskLive"
    FROM comments c WHERE c.id = ${ctx.sequelize.escape(id)}`;

/**
 * Takes the seq of a live comment's list, with the comment's row read once the list's lock is held;
 * the caller must be a member (else, as when the comment or its task is gone, `not_found`).
 */
async function takeOfComment(
  ctx: Ctx,
  scope: ChangeScope,
  actor: Actor,
  id: string,
): Promise<{ list: Taken; current: Comment; role: string }> {
  const { list, rows } = await takeSeqOfRowWith(ctx, scope, LIST_OF_COMMENT, [id], selectComment(ctx, id));
  if (!list) throw new AppError('not_found', 'Comment not found');
  const role = authorize(list.members, actor.userId, ANY_MEMBER, 'Comment');
  const row = rows.at(0) as (Record<string, unknown> & { taskLive: boolean }) | undefined;
  const { taskLive, ...values } = row ?? { taskLive: false };
  const current = Comment.build(values as never, { raw: true, isNewRecord: false });
  if (!row || !taskLive || current.deletedAt || current.listId !== list.listId) {
    throw new AppError('not_found', 'Comment not found');
  }
  return { list, current, role };
}

/** The mentions, each a member of the list (the schema dropped duplicates and bounded them). */
function checkMentions(mentions: string[], members: MemberRow[]): string[] {
  const ids = new Set(members.map((m) => m.userId));
  const stranger = mentions.find((m) => !ids.has(m));
  if (stranger !== undefined) {
    throw new AppError('validation_error', 'A mention names someone who is not a member of the list', [
      { path: 'mentions', message: `"mentions" names ${stranger}, who is not a member of the list` },
    ]);
  }
  return mentions;
}

/** A committed change goes to the list's members, in seq order. */
function tell<E extends 'comment:created' | 'comment:updated' | 'comment:deleted'>(
  scope: ChangeScope,
  event: E,
  payload: EventPayload<E>,
  list: Taken,
): void {
  scope.out.add({ event, payload, to: list.members.map((m) => m.userId), listId: list.listId, seq: list.seq });
}

/** `mention` to the sockets of the users newly named (after the change's own note: no seq). */
function mention(scope: ChangeScope, payload: { comment: CommentDto }, to: string[]): void {
  if (to.length) scope.out.add({ event: 'mention', payload, to, toSender: true });
}
