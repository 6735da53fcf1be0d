/**
 * A list's change number (seq): every change of a list (its tasks, its name, its members) takes the
 * next one under the list's row lock, so a list's changes commit, and are sent, in seq order. One
 * statement takes it together with what the change's rules need: the list's members (who hears of
 * the change, and the caller's role), its count of live tasks, and the time of the change.
 *
 * The members are read in that statement's snapshot. A change of members committed while the
 * statement waited for the lock would be missing from it, so every change of members also sets
 * `roster_seq`; when the snapshot's roster_seq is not the locked row's, the members are read again.
 */
import { QueryTypes } from 'sequelize';
import type { ChangeScope } from '../changes/mutate';
import type { Ctx } from '../changes/context';
import { membersOf, type MemberRow } from './access';

export interface Taken {
  listId: string;
  seq: number;
  members: MemberRow[];
  /** Live tasks, this change's counted. */
  taskCount: number;
  /** The time of the change (the database's clock, to the millisecond). */
  now: Date;
  /** With `stampTask`: the new task's createdAt, later than the list's previous task's by 1 ms at least. */
  taskStamp: Date;
}

export interface TakeOptions {
  /** What the change does to the count of live tasks: +1 a create, -1 a delete, 0 otherwise. */
  tasks?: number;
  /** A task is created: its createdAt is taken from the list too. */
  stampTask?: boolean;
  /** The change adds, removes or changes the role of a member. */
  roster?: boolean;
  /**
   * takeSeqOfTask(With): the task is in the trash, deleted at most this many days ago (a restore),
   * rather than live.
   */
  trashDays?: number;
}

const NOW = "date_trunc('milliseconds', clock_timestamp())";

/** The list's columns the change's rules need, read as the row is locked. */
const RETURNING = `id AS "listId", seq, task_count AS "taskCount", ${NOW} AS now,
  last_task_created_at AS "taskStamp",
  roster_seq = (SELECT s.roster_seq FROM lists s WHERE s.id = lists.id) AS "rosterCurrent",
  (SELECT coalesce(json_agg(json_build_object('userId', m.user_id, 'role', m.role)), '[]')
     FROM list_members m WHERE m.list_id = lists.id) AS members`;

const setClause = ({ tasks = 0, stampTask = false, roster = false }: TakeOptions) =>
  [
    'seq = seq + 1',
    tasks ? `task_count = task_count + ${Math.sign(tasks)}` : '',
    stampTask ? `last_task_created_at = greatest(${NOW}, last_task_created_at + interval '1 millisecond')` : '',
    roster ? 'roster_seq = seq + 1' : '',
  ]
    .filter(Boolean)
    .join(', ');

type Row = Omit<Taken, 'members'> & { members: MemberRow[]; rosterCurrent: boolean };

/** Takes the next seq of the list `listId`; null if there is no such list. */
export async function takeSeq(ctx: Ctx, scope: ChangeScope, listId: string, opts: TakeOptions = {}) {
  return taken(ctx, scope, `UPDATE lists SET ${setClause(opts)} WHERE id = ? RETURNING ${RETURNING}`, [listId]);
}

/** Takes the next seq of the list of the live task `taskId`; null if there is no such task. */
export async function takeSeqOfTask(ctx: Ctx, scope: ChangeScope, taskId: string, opts: TakeOptions = {}) {
  return taken(ctx, scope, takeOfTaskSql(opts), [taskId]);
}

const takeOfTaskSql = (opts: TakeOptions) => `UPDATE lists SET ${setClause(opts)}
  WHERE id = (SELECT list_id FROM tasks WHERE id = ? AND ${
    opts.trashDays === undefined
      ? 'deleted_at IS NULL'
      : `deleted_at >= now() - make_interval(days => ${Math.trunc(opts.trashDays)})`
  }) RETURNING ${RETURNING}`;

/**
 * takeSeqOfTask, and in the same message a second statement, `then` (text, its values escaped in),
 * whose rows are answered too: in READ COMMITTED each statement of a message reads its own snapshot,
 * so `then` reads after the list's row lock is held (the task's row as the change will find it). No
 * round trip more than the take alone.
 */
export async function takeSeqOfTaskWith(
  ctx: Ctx,
  scope: ChangeScope,
  taskId: string,
  then: string,
  opts: TakeOptions = {},
): Promise<{ list: Taken | null; rows: Array<Record<string, unknown>> }> {
  return takeSeqOfWith(ctx, scope, takeOfTaskSql(opts), [taskId], then);
}

/**
 * Takes the next seq of the list a subquery names (`listOf`: SQL answering one list id, `?` for its
 * `replacements`), with a second statement `then` read in the same message, as takeSeqOfTaskWith: for
 * the domains above (a comment's list, read through the comment).
 */
export async function takeSeqOfRowWith(
  ctx: Ctx,
  scope: ChangeScope,
  listOf: string,
  replacements: unknown[],
  then: string,
): Promise<{ list: Taken | null; rows: Array<Record<string, unknown>> }> {
  return takeSeqOfWith(
    ctx,
    scope,
    `UPDATE lists SET ${setClause({})} WHERE id = (${listOf}) RETURNING ${RETURNING}`,
    replacements,
    then,
  );
}

async function takeSeqOfWith(
  ctx: Ctx,
  scope: ChangeScope,
  takeSql: string,
  replacements: unknown[],
  then: string,
): Promise<{ list: Taken | null; rows: Array<Record<string, unknown>> }> {
  const sql = `${takeSql};${then}`;
  const [, results] = (await ctx.sequelize.query(sql, {
    replacements,
    type: QueryTypes.RAW,
    transaction: scope.t,
  })) as [unknown, Array<{ command: string; rows: unknown[] }>];
  const take = results.find((r) => r.command === 'UPDATE')!;
  const read = results.find((r) => r.command === 'SELECT')!;
  const row = take.rows.at(0) as Row | undefined;
  return { list: row ? await fresh(ctx, scope, row) : null, rows: read.rows as Array<Record<string, unknown>> };
}

/**
 * Takes `n` more seqs of a list whose row this change holds locked already (it took a seq of it):
 * the first of them is answered, the others follow it one by one.
 */
export async function takeMoreSeqs(ctx: Ctx, scope: ChangeScope, listId: string, n: number, at: Date): Promise<number> {
  const rows = await ctx.sequelize.query<{ seq: number }>(
    'UPDATE lists SET seq = seq + $2 WHERE id = $1 RETURNING seq',
    { bind: [listId, n], type: QueryTypes.SELECT, transaction: scope.t },
  );
  const first = rows[0].seq - n + 1;
  for (let seq = first; seq < first + n; seq++) scope.took(listId, seq, at);
  return first;
}

/** Locks the rows of several lists until commit, in id order, so that two such changes never deadlock. Takes no seq. */
export async function lockLists(ctx: Ctx, scope: ChangeScope, listIds: string[]): Promise<void> {
  if (!listIds.length) return;
  await ctx.sequelize.query('SELECT 1 FROM lists WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE', {
    bind: [listIds],
    type: QueryTypes.SELECT,
    transaction: scope.t,
  });
}

/**
 * Takes the next seq of several lists (those that exist), locking them in id order first (unless the
 * caller did: `locked`). `tasks` and `roster` per list as in TakeOptions.
 */
export async function takeSeqs(
  ctx: Ctx,
  scope: ChangeScope,
  lists: Array<{ listId: string; tasks?: number; roster?: boolean }>,
  locked = false,
): Promise<Map<string, Taken>> {
  const got = new Map<string, Taken>();
  if (!lists.length) return got;
  const ids = lists.map((l) => l.listId);
  if (!locked) await lockLists(ctx, scope, ids);
  // locked now: a member change can no longer slip in between, and this statement's snapshot is newer
  const rows = await ctx.sequelize.query<Row>(
    `UPDATE lists SET seq = lists.seq + 1, task_count = lists.task_count + d.tasks,
            roster_seq = CASE WHEN d.roster THEN lists.seq + 1 ELSE lists.roster_seq END
       FROM unnest($1::uuid[], $2::int[], $3::boolean[]) AS d(id, tasks, roster)
      WHERE lists.id = d.id RETURNING ${RETURNING.replaceAll('id AS "listId"', 'lists.id AS "listId"')}`,
    {
      bind: [ids, lists.map((l) => Math.sign(l.tasks ?? 0)), lists.map((l) => l.roster ?? false)],
      type: QueryTypes.SELECT,
      transaction: scope.t,
    },
  );
  for (const row of rows) got.set(row.listId, await fresh(ctx, scope, row));
  return got;
}

/**
 * One list's take: its values escaped into the text (`?`), so that the statement can carry the
 * transaction's BEGIN in the same message (changes/change-transaction.ts).
 */
async function taken(ctx: Ctx, scope: ChangeScope, sql: string, replacements: unknown[]): Promise<Taken | null> {
  const rows = await ctx.sequelize.query<Row>(sql, { replacements, type: QueryTypes.SELECT, transaction: scope.t });
  const row = rows.at(0);
  return row ? fresh(ctx, scope, row) : null;
}

/** The row with current members (read again if they changed while the lock was awaited); its seq reserved. */
async function fresh(ctx: Ctx, scope: ChangeScope, { rosterCurrent, ...row }: Row): Promise<Taken> {
  const members = rosterCurrent ? row.members : await membersOf(ctx.sequelize, row.listId, scope.t);
  scope.took(row.listId, row.seq, row.now);
  return { ...row, members };
}
