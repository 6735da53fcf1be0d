/**
 * The trash: a deleted task keeps its row (`deleted_at`, `deleted_by`) and can be restored for
 * TRASH_RETENTION_DAYS (`task:restore`, one `mutate()` like every change: the list's seq taken with the
 * task's row read after the lock, the row written, the activity entry and the record with the COMMIT);
 * `trash:list` pages a list's trash, newest deletion first. Past retention, server/maintenance.ts
 * deletes the row for good; its tombstones stay, as sync reports departures from them.
 */
import { literal, Op } from 'sequelize';
import { LIMITS } from '../../shared/limits';
import type { EventInput } from '../../shared/schemas';
import type { Task as TaskDto, TrashedTask, TrashPage } from '../../shared/types';
import type { Actor, Ctx } from '../changes/context';
import { mutate } from '../changes/mutate';
import { AppError } from '../core/errors';
import { ANY_MEMBER, authorize, membersOf, WRITERS } from '../lists/access';
import { takeSeqOfTaskWith } from '../lists/list-seq';
import { checkRoom, FAST, selectTask, tell } from './task.service';
import { Task } from './task.model';

/**
 * Brings the deleted task `id` back in its list, with its fields, the list's next seq and its version
 * + 1, as a `task:created` to the others. Its assignee, if no longer a member of the list, is cleared
 * (the contract: an assignee is a member). A live task is answered as it is, nothing changed (also a
 * restore whose twin restored it first); past retention, or with its list gone: `not_found`.
 */
export async function restoreTask(
  ctx: Ctx,
  actor: Actor,
  input: EventInput<'task:restore'>,
): Promise<{ task: TaskDto }> {
  const { id } = input;
  const retried = liveAlready(ctx, actor, id);
  return mutate(ctx, actor, { event: 'task:restore', mutationId: input.mutationId, retried }, async (scope) => {
    const trashDays = ctx.config.trashRetentionDays;
    // the take carries the read of the task's row: it is read once the list's row lock is held
    const { list, rows } = await takeSeqOfTaskWith(ctx, scope, id, selectTask(ctx, id), { tasks: 1, trashDays });
    // live (then `retried` answers it), gone, past retention, or in no list the caller sees
    if (!list) throw new AppError('not_found', 'Task not found');
    authorize(list.members, actor.userId, WRITERS, 'Task');
    const current = rows.length ? Task.build(rows[0] as never, { raw: true, isNewRecord: false }) : null;
    // restored (or purged) while this waited for the list's lock
    if (!current || current.listId !== list.listId || !current.deletedAt)
      throw new AppError('not_found', 'Task not found');
    checkRoom(ctx, list);
    const version = current.version + 1;
    const assigneeLeft = current.assigneeId !== null && !list.members.some((m) => m.userId === current.assigneeId);
    const values = {
      deletedAt: null,
      deletedBy: null,
      version,
      seq: list.seq,
      updatedBy: actor.userId,
      updatedAt: list.now,
      ...(assigneeLeft ? { assigneeId: null, fieldVersions: { ...current.fieldVersions, assigneeId: version } } : {}),
    };
    const [count] = await Task.update(values, {
      ...FAST,
      where: { id, deletedAt: { [Op.ne]: null } },
      returning: false,
      silent: true,
      transaction: scope.t,
    });
    if (count === 0) throw new AppError('not_found', 'Task not found'); // purged meanwhile
    const answer = { task: current.set(values, { raw: true }).toDto() };
    scope.log({ listId: list.listId, seq: list.seq, kind: 'task.restored', taskId: id });
    tell(scope.out, 'task:created', answer, list);
    return answer;
  });
}

/**
 * A restore refused as `not_found` may be of a live task (never deleted, restored already, or by a
 * twin): an owner or editor of its list gets it as it is, a viewer `forbidden`; anything else keeps the
 * refusal.
 */
const liveAlready =
  (ctx: Ctx, actor: Actor, id: string) =>
  async (err: unknown): Promise<{ task: TaskDto } | undefined> => {
    if (!(err instanceof AppError) || err.code !== 'not_found') return undefined;
    const task = await Task.findByPk(id);
    if (!task || task.deletedAt) return undefined;
    authorize(await membersOf(ctx.sequelize, task.listId), actor.userId, WRITERS, 'Task');
    return { task: task.toDto() };
  };

const CURSOR = /^([0-9]{1,17})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** `next`: base64url of "<deletedAt in microseconds since the epoch>.<id>" of the page's last task. */
const encode = (micros: string, id: string) => Buffer.from(`${micros}.${id}`).toString('base64url');

function decode(after: string): { micros: string; id: string } {
  const m = CURSOR.exec(Buffer.from(after, 'base64url').toString());
  if (!m) throw new AppError('validation_error', '"after" is not a cursor this server made');
  return { micros: m[1], id: m[2] };
}

const MICROS = 'trunc(extract(epoch FROM deleted_at) * 1000000)::bigint::text';

/**
 * A page of the list's trash (any member): deleted tasks still restorable, newest deletion first (then
 * by id), at most `limit` and about LIMITS.answerBytes of JSON (at least one task when any remain).
 */
export async function listTrash(
  ctx: Ctx,
  actor: Actor,
  { listId, after, limit }: EventInput<'trash:list'>,
): Promise<TrashPage> {
  const key = after === undefined ? undefined : decode(after);
  authorize(await membersOf(ctx.sequelize, listId), actor.userId, ANY_MEMBER);
  const days = Math.trunc(ctx.config.trashRetentionDays);
  const q = (v: string) => ctx.sequelize.escape(v);
  const rows = await Task.findAll({
    attributes: { include: [[literal(MICROS), 'deletedMicros']] },
    where: {
      listId,
      [Op.and]: [
        literal(`deleted_at >= now() - make_interval(days => ${days})`),
        ...(key
          ? [
              literal(
                `(deleted_at, id) < (timestamptz 'epoch' + ${q(key.micros)}::bigint * interval '1 microsecond', ${q(key.id)}::uuid)`,
              ),
            ]
          : []),
      ],
    },
    order: [
      ['deletedAt', 'DESC'],
      ['id', 'DESC'],
    ],
    limit: limit + 1,
  });
  const tasks: TrashedTask[] = [];
  let bytes = Buffer.byteLength(JSON.stringify({ tasks: [], next: encode('0'.repeat(17), rows[0]?.id ?? '') }));
  for (const row of rows.slice(0, limit)) {
    const task: TrashedTask = {
      ...row.toDto(),
      deletedAt: row.deletedAt!.toISOString(),
      deletedBy: row.deletedBy ?? row.updatedBy,
    };
    const size = Buffer.byteLength(JSON.stringify(task)) + 1;
    if (tasks.length > 0 && bytes + size > LIMITS.answerBytes) break;
    bytes += size;
    tasks.push(task);
  }
  const last = rows[tasks.length - 1];
  const more = rows.length > tasks.length;
  return { tasks, next: more ? encode(last.get('deletedMicros') as string, last.id) : null };
}
