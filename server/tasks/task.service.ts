/** Tasks: create, update (and move), delete and read, with the list's role rules. */
import { QueryTypes, Transaction, UniqueConstraintError } from 'sequelize';
import type { TaskCreateInput, TaskDeleteInput, TaskPatch, TaskUpdateInput } from '../../shared/events';
import { LIMITS } from '../../shared/limits';
import type { Task as TaskDto, TaskDeleted, TaskPage } from '../../shared/types';
import type { Actor, Ctx } from '../context';
import { mutate, type MutationScope, type Taken } from '../db/mutate';
import { AppError } from '../errors';
import { ANY_MEMBER, authorize, idsOf, membersOf, WRITERS } from '../lists/access';
import { Task } from './task.model';
import { TaskTombstone } from './tombstone.model';

/**
 * Bytes of a task's JSON besides its title, notes and position (each counted in SQL by
 * `TASK_TEXT_BYTES`, quotes and escapes included): every other field at its largest.
 */
const WIDEST_DATE = '+275760-09-13T00:00:00.000Z';
const WIDEST_UUID = '00000000-0000-0000-0000-000000000000';
export const TASK_JSON_OVERHEAD = Buffer.byteLength(JSON.stringify({
  id: WIDEST_UUID, listId: WIDEST_UUID, title: '', notes: '', completed: false, completedAt: WIDEST_DATE,
  dueAt: WIDEST_DATE, priority: 3, position: '', version: 2 ** 31 - 1, seq: Number.MAX_SAFE_INTEGER,
  createdBy: WIDEST_UUID, updatedBy: WIDEST_UUID, createdAt: WIDEST_DATE, updatedAt: WIDEST_DATE,
})) - 3 * '""'.length;

/**
 * SQL: the UTF-8 bytes of the JSON of a task row's title, notes and position (PostgreSQL's to_json
 * escapes as JSON.stringify does), so answers are cut by size before any large row is fetched.
 */
export const TASK_TEXT_BYTES = (t: string) =>
  `(octet_length(to_json(${t}.title)::text) + octet_length(to_json(${t}.notes)::text) + octet_length(to_json(${t}.position)::text))`;

/**
 * SQL: a cheap lower bound of `TASK_TEXT_BYTES` (octet_length reads a stored value's size without
 * decompressing it). Rows whose running lower bound is already past the budget cannot be in the
 * answer, so their exact size (which escapes every character) is not computed.
 */
export const TASK_TEXT_MIN_BYTES = (t: string) =>
  `(octet_length(${t}.title) + octet_length(${t}.notes) + octet_length(${t}.position))`;

/** The tasks of `ids` (in one snapshot `t`), in the order of `ids`. */
export async function tasksByIds(ids: string[], t: Transaction): Promise<TaskDto[]> {
  if (ids.length === 0) return [];
  const rows = await Task.findAll({ where: { id: ids }, transaction: t });
  const byId = new Map(rows.map((row) => [row.id, row.toDto()]));
  return ids.map((id) => byId.get(id)!);
}

/** A page's position in a list's sort order: the last task of the previous page. */
interface TaskKey { position: string; createdAt: string; id: string }

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MICROS_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}Z$/;

/** `next`: base64url of the JSON [position, createdAt with microseconds, id] of the page's last task. */
function encodeTaskKey(key: TaskKey): string {
  return Buffer.from(JSON.stringify([key.position, key.createdAt, key.id])).toString('base64url');
}

/** The longest `next`: a position of escaped control characters (6 bytes each), in quotes. */
const MAX_NEXT_BYTES = 2 + Math.ceil(Buffer.byteLength(JSON.stringify(['\u0001'.repeat(LIMITS.positionMax), WIDEST_DATE, WIDEST_UUID])) / 3) * 4;

/** The key of an `after` cursor; a malformed or tampered one is a validation_error, never a 500. */
function decodeTaskKey(after: string): TaskKey {
  const bad = () => new AppError('validation_error', '"after" is not a cursor of this list', [{ path: 'after', message: '"after" is not a valid cursor' }]);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => typeof v === 'string')) throw bad();
  const [position, createdAt, id] = value as [string, string, string];
  if (position.length > LIMITS.positionMax || position.includes('\u0000') || !UUID_RE.test(id)) throw bad();
  const m = MICROS_RE.exec(createdAt);
  if (!m) throw bad();
  // a real instant: the same calendar fields come back (no 31 February, no hour 25)
  const [, y, mo, d, h, mi, s] = m;
  const date = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
  if (date.getUTCFullYear() !== +y || date.getUTCMonth() !== +mo - 1 || date.getUTCDate() !== +d
    || date.getUTCHours() !== +h || date.getUTCMinutes() !== +mi || date.getUTCSeconds() !== +s) throw bad();
  return { position, createdAt, id };
}

export interface TaskPageQuery { limit?: number; after?: string }

/**
 * One page of a list's live tasks in sort order (position, createdAt, id), after the task of `after`:
 * at most `limit` tasks and about LIMITS.answerBytes of JSON (always at least one task when any
 * remain), and the list's seq, all from one snapshot. Keyset paging on tasks_live_order; the page is
 * chosen from keys and sizes computed in SQL, then only its rows are fetched.
 */
export async function listTasks(ctx: Ctx, actor: Actor, listId: string, query: TaskPageQuery = {}): Promise<TaskPage> {
  const limit = Math.min(Math.max(Math.trunc(query.limit ?? LIMITS.taskPage), 1), LIMITS.taskPage);
  const after = query.after === undefined ? undefined : decodeTaskKey(query.after);
  // one snapshot: the seq answered is the one of the tasks answered
  return ctx.sequelize.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ }, async (t) => {
    authorize(await membersOf(ctx.sequelize, listId, t), actor.userId, ANY_MEMBER);
    const [list] = await ctx.sequelize.query('SELECT seq FROM lists WHERE id = $1', { bind: [listId], transaction: t }) as [Array<{ seq: string }>, unknown];
    // keys in order, with each task's JSON size (null once the sizes before it are surely past the bound)
    const keys = await ctx.sequelize.query<TaskKey & { bytes: number | string | null }>(
      `SELECT k.id, k.position, k."createdAt",
              CASE WHEN coalesce(sum(${TASK_TEXT_MIN_BYTES('k')}) OVER w, 0) <= $3 THEN ${TASK_TEXT_BYTES('k')} END AS bytes
         FROM (SELECT t.id, t.position, t.title, t.notes, t.created_at,
                      to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdAt"
                 FROM tasks t
                WHERE t.list_id = $1 AND t.deleted_at IS NULL
                  ${after ? 'AND (t.position, t.created_at, t.id) > ($4::text COLLATE "C", $5::timestamptz, $6::uuid)' : ''}
                ORDER BY t.position, t.created_at, t.id
                LIMIT $2) k
       WINDOW w AS (ORDER BY k.position, k.created_at, k.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
        ORDER BY k.position, k.created_at, k.id`,
      {
        bind: [listId, limit + 1, LIMITS.answerBytes, ...(after ? [after.position, after.createdAt, after.id] : [])],
        type: QueryTypes.SELECT, transaction: t,
      },
    );
    const seq = Number(list[0].seq);
    let bytes = Buffer.byteLength(JSON.stringify({ tasks: [], seq, next: null })) + MAX_NEXT_BYTES;
    let n = 0;
    while (n < keys.length && n < limit) {
      const size = keys[n].bytes === null ? Infinity : TASK_JSON_OVERHEAD + Number(keys[n].bytes) + 1; // and a comma
      if (n > 0 && bytes + size > LIMITS.answerBytes) break;
      bytes += size;
      n += 1;
    }
    const tasks = await tasksByIds(keys.slice(0, n).map((k) => k.id), t);
    return { tasks, seq, next: n < keys.length ? encodeTaskKey(keys[n - 1]) : null };
  });
}

export async function createTask(ctx: Ctx, actor: Actor, input: TaskCreateInput): Promise<{ task: TaskDto }> {
  return mutate(ctx, actor, { event: 'task:create', mutationId: input.mutationId }, async ({ t, out, nextSeq, lockId }) => {
    if (input.id) {
      await lockId('task', input.id); // a retry sent meanwhile waits, then finds the task
      const replay = await existingCreation(ctx, t, actor, input.id);
      if (replay) return { task: replay };
    }
    const taken = await nextSeq(input.listId, 1);
    if (taken === null) throw new AppError('not_found', 'List not found');
    const { seq } = taken;
    const members = await membersOf(ctx.sequelize, input.listId, t);
    authorize(members, actor.userId, WRITERS);
    checkRoom(ctx, taken.tasks);
    const { id, listId, title, notes, dueAt, priority, position } = input;
    let task: Task;
    try {
      task = await Task.create({
        id, listId, title, notes, priority, position, seq, dueAt: dueAt ? new Date(dueAt) : null, completedAt: null,
        createdBy: actor.userId, updatedBy: actor.userId,
      }, { transaction: t });
    } catch (err) {
      if (err instanceof UniqueConstraintError) throw new AppError('conflict', 'A task with this id exists already');
      throw err;
    }
    const dto = task.toDto();
    out.add({ event: 'task:created', payload: { task: dto }, to: idsOf(members), listId, seq });
    return { task: dto };
  });
}

/**
 * A create retried with the same task id answers with the task. Anyone else's id is taken: the insert
 * answers `conflict`, after the list's access check (a list the caller cannot see stays `not_found`).
 */
async function existingCreation(ctx: Ctx, t: Transaction, actor: Actor, id: string): Promise<TaskDto | undefined> {
  const existing = await Task.findByPk(id, { transaction: t });
  if (!existing || existing.createdBy !== actor.userId) return undefined;
  // a creator who can no longer see the task's list (removed, or it moved away) learns nothing of what became of it
  const canSee = (await membersOf(ctx.sequelize, existing.listId, t)).some((m) => m.userId === actor.userId);
  if (!canSee) return undefined;
  // answering a deleted task as if created would bring it back on the client
  if (existing.deletedAt) throw new AppError('conflict', 'This task was created and deleted since');
  return existing.toDto();
}

export async function updateTask(ctx: Ctx, actor: Actor, input: TaskUpdateInput): Promise<{ task: TaskDto; from?: TaskDeleted }> {
  if (Object.keys(input.patch).length === 0) throw new AppError('validation_error', 'The patch changes nothing');
  return mutate(ctx, actor, { event: 'task:update', mutationId: input.mutationId }, async (scope) => {
    const { t, out } = scope;
    const target = input.patch.listId;
    const { task, seqs } = await lockTask(scope, input.id, { target });
    const fromList = task.listId;
    const moving = target !== undefined && target !== fromList;
    const from = await membersOf(ctx.sequelize, fromList, t);
    authorize(from, actor.userId, WRITERS, 'Task');
    checkVersion(task, input.expectedVersion);
    const to = moving ? await membersOf(ctx.sequelize, target, t) : from;
    if (moving) {
      authorize(to, actor.userId, WRITERS);
      checkRoom(ctx, seqs.get(target)!.tasks);
    }

    applyPatch(task, input.patch, actor.userId);
    task.seq = seqs.get(task.listId)!.seq;
    await task.save({ transaction: t });
    const dto = task.toDto();
    if (moving) {
      // a move is a delete in the old list and a create in the new one, each with its own seq
      const oldSeq = seqs.get(fromList)!.seq;
      await TaskTombstone.create({ listId: fromList, seq: oldSeq, taskId: task.id }, { transaction: t });
      out.add({ event: 'task:deleted', payload: { id: task.id, listId: fromList, seq: oldSeq }, to: idsOf(from), listId: fromList, seq: oldSeq });
      out.add({ event: 'task:created', payload: { task: dto }, to: idsOf(to), listId: task.listId, seq: task.seq });
      // the mover's ack also carries the old list's seq, so its client sees no gap there
      return { task: dto, from: { id: task.id, listId: fromList, seq: oldSeq } };
    } else {
      out.add({ event: 'task:updated', payload: { task: dto }, to: idsOf(to), listId: task.listId, seq: task.seq });
    }
    return { task: dto };
  });
}

export async function deleteTask(ctx: Ctx, actor: Actor, input: TaskDeleteInput): Promise<TaskDeleted> {
  return mutate(ctx, actor, { event: 'task:delete', mutationId: input.mutationId }, async (scope) => {
    const { t, out } = scope;
    const { task, seqs } = await lockTask(scope, input.id, { deleting: true });
    const members = await membersOf(ctx.sequelize, task.listId, t);
    authorize(members, actor.userId, WRITERS, 'Task');
    checkVersion(task, input.expectedVersion);
    const { seq } = seqs.get(task.listId)!;
    await task.update({ deletedAt: new Date(), seq, version: task.version + 1, updatedBy: actor.userId }, { transaction: t });
    await TaskTombstone.create({ listId: task.listId, seq, taskId: task.id }, { transaction: t });
    const deleted: TaskDeleted = { id: task.id, listId: task.listId, seq };
    out.add({ event: 'task:deleted', payload: deleted, to: idsOf(members), listId: task.listId, seq });
    return deleted;
  });
}

/** Call after authorizing: a list over its bound of live tasks refuses one more. */
function checkRoom(ctx: Ctx, tasksWithNew: number): void {
  if (tasksWithNew > ctx.config.maxTasksPerList) {
    throw new AppError('limit_exceeded', `A list holds at most ${ctx.config.maxTasksPerList} tasks`);
  }
}

/**
 * Locks the task's list (and the target list of a move) by taking their next seqs, in id order so
 * that two opposite moves cannot deadlock, then the task row itself. The lists' task counts follow
 * a delete (-1) or a move (-1 and +1).
 */
async function lockTask(
  { t, nextSeq }: MutationScope, id: string, change: { target?: string; deleting?: boolean },
): Promise<{ task: Task; seqs: Map<string, Taken> }> {
  const peek = await Task.findByPk(id, { transaction: t });
  if (!peek || peek.deletedAt) throw new AppError('not_found', 'Task not found');
  const target = change.target ?? peek.listId;
  const seqs = new Map<string, Taken>();
  for (const listId of [...new Set([peek.listId, target])].sort()) {
    const delta = change.deleting ? -1 : target === peek.listId ? 0 : listId === target ? 1 : -1;
    const taken = await nextSeq(listId, delta);
    if (taken === null) throw new AppError('not_found', 'List not found');
    seqs.set(listId, taken);
  }
  const task = (await Task.findByPk(id, { transaction: t, lock: t.LOCK.UPDATE }))!;
  if (task.deletedAt) throw new AppError('not_found', 'Task not found');
  // moved by someone else between the peek and the lock: the caller retries with the current task
  if (task.listId !== peek.listId) throw new AppError('conflict', 'The task was moved meanwhile: sync and try again');
  return { task, seqs };
}

/** Call after authorizing: a conflict answer shows the current task. */
function checkVersion(task: Task, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && expectedVersion !== task.version) {
    throw new AppError('conflict', 'The task has changed since that version', { task: task.toDto() });
  }
}

function applyPatch(task: Task, patch: TaskPatch, userId: string): void {
  const { title, notes, priority, position, completed, dueAt, listId } = patch;
  if (title !== undefined) task.title = title;
  if (notes !== undefined) task.notes = notes;
  if (priority !== undefined) task.priority = priority;
  if (position !== undefined) task.position = position;
  if (dueAt !== undefined) task.dueAt = dueAt === null ? null : new Date(dueAt);
  if (listId !== undefined) task.listId = listId;
  if (completed !== undefined && completed !== task.completed) {
    task.completed = completed;
    task.completedAt = completed ? new Date() : null;
  }
  task.version += 1;
  task.updatedBy = userId;
}
