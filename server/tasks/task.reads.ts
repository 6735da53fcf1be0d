/**
 * Reading tasks in pages bounded by count and by bytes: the REST list's keyset pages, and the rows
 * and sizes that paged `sync` uses. An answer is cut from keys and sizes computed in SQL, so no task
 * row leaves the database before the cut.
 */
import { QueryTypes, Transaction } from 'sequelize';
import { LIMITS } from '../../shared/limits';
import type { TaskPageQuery } from '../../shared/schemas';
import type { Task as TaskDto, TaskPage } from '../../shared/types';
import type { Actor, Ctx } from '../changes/context';
import { AppError } from '../core/errors';
import { ANY_MEMBER, authorize, membersOf } from '../lists/access';
import { Task } from './task.model';

/**
 * Bytes of a task's JSON besides its title, notes and position (each counted in SQL by
 * `TASK_TEXT_BYTES`, quotes and escapes included): every other field at its largest.
 */
const WIDEST_DATE = '+275760-09-13T00:00:00.000Z';
const WIDEST_UUID = '00000000-0000-0000-0000-000000000000';
export const TASK_JSON_OVERHEAD =
  Buffer.byteLength(
    JSON.stringify({
      id: WIDEST_UUID,
      listId: WIDEST_UUID,
      title: '',
      notes: '',
      completed: false,
      completedAt: WIDEST_DATE,
      dueAt: WIDEST_DATE,
      priority: 3,
      position: '',
      version: 2 ** 31 - 1,
      seq: Number.MAX_SAFE_INTEGER,
      createdBy: WIDEST_UUID,
      updatedBy: WIDEST_UUID,
      createdAt: WIDEST_DATE,
      updatedAt: WIDEST_DATE,
      assigneeId: WIDEST_UUID,
    }),
  ) -
  3 * '""'.length;

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
interface TaskKey {
  position: string;
  createdAt: string;
  id: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MICROS_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}Z$/;

/** `next`: base64url of the JSON [position, createdAt with microseconds, id] of the page's last task. */
function encodeTaskKey(key: TaskKey): string {
  return Buffer.from(JSON.stringify([key.position, key.createdAt, key.id])).toString('base64url');
}

/** The longest `next`: a position of escaped control characters (6 bytes each), in quotes. */
const MAX_NEXT_BYTES =
  2 +
  Math.ceil(Buffer.byteLength(JSON.stringify(['\u0001'.repeat(LIMITS.positionMax), WIDEST_DATE, WIDEST_UUID])) / 3) * 4;

/** The key of an `after` cursor; a malformed or tampered one is a validation_error, never a 500. */
function decodeTaskKey(after: string): TaskKey {
  const bad = () =>
    new AppError('validation_error', '"after" is not a cursor of this list', [
      { path: 'after', message: '"after" is not a valid cursor' },
    ]);
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
  if (
    date.getUTCFullYear() !== +y ||
    date.getUTCMonth() !== +mo - 1 ||
    date.getUTCDate() !== +d ||
    date.getUTCHours() !== +h ||
    date.getUTCMinutes() !== +mi ||
    date.getUTCSeconds() !== +s
  )
    throw bad();
  return { position, createdAt, id };
}

/**
 * One page of a list's live tasks in sort order (position, createdAt, id), after the task of `after`:
 * at most `limit` tasks and about LIMITS.answerBytes of JSON (always at least one task when any
 * remain), and the list's seq, all from one snapshot. Keyset paging on tasks_live_order; the page is
 * chosen from keys and sizes computed in SQL, then only its rows are fetched.
 */
export async function listTasks(ctx: Ctx, actor: Actor, listId: string, query: TaskPageQuery): Promise<TaskPage> {
  const { limit } = query;
  const after = query.after === undefined ? undefined : decodeTaskKey(query.after);
  // one snapshot: the seq answered is the one of the tasks answered
  return ctx.sequelize.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ }, async (t) => {
    authorize(await membersOf(ctx.sequelize, listId, t), actor.userId, ANY_MEMBER);
    const [list] = await ctx.sequelize.query<{ seq: number }>('SELECT seq FROM lists WHERE id = $1', {
      bind: [listId],
      type: QueryTypes.SELECT,
      transaction: t,
    });
    // keys in order, with each task's JSON size (null once the sizes before it are surely past the bound)
    const keys = await ctx.sequelize.query<TaskKey & { bytes: number | null }>(
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
        type: QueryTypes.SELECT,
        transaction: t,
      },
    );
    const { seq } = list;
    let bytes = Buffer.byteLength(JSON.stringify({ tasks: [], seq, next: null })) + MAX_NEXT_BYTES;
    let n = 0;
    while (n < keys.length && n < limit) {
      const size = keys[n].bytes === null ? Infinity : TASK_JSON_OVERHEAD + keys[n].bytes! + 1; // and a comma
      if (n > 0 && bytes + size > LIMITS.answerBytes) break;
      bytes += size;
      n += 1;
    }
    const tasks = await tasksByIds(
      keys.slice(0, n).map((k) => k.id),
      t,
    );
    return { tasks, seq, next: n < keys.length ? encodeTaskKey(keys[n - 1]) : null };
  });
}
