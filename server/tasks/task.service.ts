/**
 * Tasks: create, update (and move) and delete, with the list's role rules. Each is one statement, a
 * SQL function call (migrations/20261130000007-task-functions.js) in its own transaction: the list's
 * seq under its row lock, the role, expectedVersion, the bound of live tasks, the tombstone and the
 * mutation record, in one round trip. Reads: task.pages.ts.
 */
import { QueryTypes, UniqueConstraintError } from 'sequelize';
import type { EventPayload } from '../../shared/events';
import type { EventInput } from '../../shared/schemas';
import type { Task as TaskDto, TaskDeleted } from '../../shared/types';
import type { Actor, Ctx } from '../core/context';
import { mutateInOneStatement, recorded } from '../core/db/mutate';
import { AppError, isDatabaseUnavailable } from '../core/errors';
import type { Outbox } from '../core/outbox';

/** What a task function answers: the first answer of a repeated mutation id, or this one's and who to tell. */
interface Changed<A> {
  replay?: A;
  answer?: A;
  /** The list's change number, and its members (no seq: nothing changed, nothing to send). */
  seq?: number;
  to?: string[];
  /** A move: the old list's change number and members. */
  from?: { seq: number; to: string[] };
}

async function call<A>(
  ctx: Ctx,
  actor: Actor,
  mutationId: string | undefined,
  sql: string,
  bind: unknown[],
): Promise<Changed<A>> {
  try {
    const [row] = await ctx.sequelize.query<{ r: Changed<A> }>(sql, { bind, type: QueryTypes.SELECT });
    return row.r;
  } catch (err) {
    // a twin with the same mutation id committed first: this one was rolled back; asked again, the
    // function answers with the first answer
    if (err instanceof UniqueConstraintError && isMutationRecord(err)) {
      const [row] = await ctx.sequelize.query<{ r: Changed<A> }>(sql, { bind, type: QueryTypes.SELECT });
      return row.r;
    }
    // the connection was lost: the change may have committed with its answer lost on the way
    const committed = mutationId && isDatabaseUnavailable(err) ? await recover<A>(ctx, actor, mutationId) : undefined;
    if (committed) return committed;
    throw err;
  }
}

/**
 * After a lost connection: the change as committed, if its mutation record says it was (read on
 * another connection), with whom to tell now, so that its answer and its broadcast are not lost.
 * Undefined if it did not commit, or if that cannot be told now.
 */
async function recover<A>(ctx: Ctx, actor: Actor, mutationId: string): Promise<Changed<A> | undefined> {
  const answer = (await recorded(ctx, actor, mutationId)) as (A & Partial<TaskAnswer>) | undefined;
  if (!answer) return undefined;
  const at = answer.task
    ? { listId: answer.task.listId, seq: answer.task.seq }
    : { listId: answer.listId!, seq: answer.seq! };
  const lists = [at.listId, ...(answer.from ? [answer.from.listId] : [])];
  let rows: Array<{ listId: string; to: string[] }> = [];
  try {
    rows = await ctx.sequelize.query<{ listId: string; to: string[] }>(
      'SELECT list_id AS "listId", array_agg(user_id) AS "to" FROM list_members WHERE list_id = ANY($1) GROUP BY list_id',
      { bind: [lists], type: QueryTypes.SELECT },
    );
  } catch {
    // committed, but whom to tell cannot be read now: the caller gets its answer, every socket a sync:needed
    ctx.notifier.changesMissed('the members of a committed change could not be read');
  }
  const members = (listId: string) => rows.find((r) => r.listId === listId)?.to ?? [];
  const from = answer.from ? { from: { seq: answer.from.seq, to: members(answer.from.listId) } } : {};
  return { answer, seq: at.seq, to: members(at.listId), ...from };
}

/** The shapes of a task change's answer: `{task, from?}` (create, update, move) or `{id, listId, seq}` (delete). */
interface TaskAnswer {
  task: TaskDto;
  from: TaskDeleted;
  listId: string;
  seq: number;
}

const isMutationRecord = (err: UniqueConstraintError) =>
  (err.parent as { table?: string } | undefined)?.table === 'mutations';

export async function createTask(ctx: Ctx, actor: Actor, input: EventInput<'task:create'>): Promise<{ task: TaskDto }> {
  // the mutation id is recorded by the SQL function, in the same transaction
  return mutateInOneStatement(ctx, actor, async (out) => {
    const { listId } = input;
    const r = await call<{ task: TaskDto }>(
      ctx,
      actor,
      input.mutationId,
      'SELECT todo_task_create($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) AS r',
      [
        actor.userId,
        listId,
        input.id ?? null,
        input.title,
        input.notes ?? null,
        sqlTime(input.dueAt) ?? null,
        input.priority ?? null,
        input.position ?? null,
        ctx.config.maxTasksPerList,
        input.mutationId ?? null,
      ],
    );
    if (r.replay) return r.replay;
    const answer = r.answer!;
    if (r.seq !== undefined) tell(out, 'task:created', answer, r.to!, listId, r.seq);
    return answer;
  });
}

export async function updateTask(
  ctx: Ctx,
  actor: Actor,
  input: EventInput<'task:update'>,
): Promise<{ task: TaskDto; from?: TaskDeleted }> {
  if (Object.keys(input.patch).length === 0) throw new AppError('validation_error', 'The patch changes nothing');
  return mutateInOneStatement(ctx, actor, async (out) => {
    const r = await change<{ task: TaskDto; from?: TaskDeleted }>(ctx, actor, input.id, {
      patch: input.patch,
      expectedVersion: input.expectedVersion,
      mutationId: input.mutationId,
    });
    if (r.replay) return r.replay;
    const answer = r.answer!;
    const { task, from } = answer;
    if (from && r.from) {
      // a move is a delete in the old list and a create in the new one, each with its own seq
      tell(out, 'task:deleted', from, r.from.to, from.listId, from.seq);
      tell(out, 'task:created', { task }, r.to!, task.listId, task.seq);
    } else {
      tell(out, 'task:updated', { task }, r.to!, task.listId, task.seq);
    }
    return answer;
  });
}

export async function deleteTask(ctx: Ctx, actor: Actor, input: EventInput<'task:delete'>): Promise<TaskDeleted> {
  return mutateInOneStatement(ctx, actor, async (out) => {
    const r = await change<TaskDeleted>(ctx, actor, input.id, {
      expectedVersion: input.expectedVersion,
      mutationId: input.mutationId,
    });
    if (r.replay) return r.replay;
    const deleted = r.answer!;
    tell(out, 'task:deleted', deleted, r.to!, deleted.listId, deleted.seq);
    return deleted;
  });
}

/** task:update (with a patch) or task:delete (without) through todo_task_change. */
function change<A>(
  ctx: Ctx,
  actor: Actor,
  id: string,
  opts: { patch?: EventInput<'task:update'>['patch']; expectedVersion?: number; mutationId?: string },
): Promise<Changed<A>> {
  return call<A>(ctx, actor, opts.mutationId, 'SELECT todo_task_change($1, $2, $3, $4, $5, $6, $7) AS r', [
    actor.userId,
    id,
    JSON.stringify(opts.patch ? { ...opts.patch, dueAt: sqlTime(opts.patch.dueAt) } : {}),
    opts.patch === undefined,
    sqlVersion(opts.expectedVersion),
    ctx.config.maxTasksPerList,
    opts.mutationId ?? null,
  ]);
}

/** The most a task's version (an SQL integer) can be. */
const MAX_VERSION = 2 ** 31 - 1;

/**
 * An expectedVersion as the SQL function takes it (an integer): one past what a version can be is
 * never current, so it is sent as 0, which no task has (versions start at 1): a stale version,
 * answered `conflict` with the current task like any other.
 */
function sqlVersion(expected: number | undefined): number | null {
  if (expected === undefined) return null;
  return expected > MAX_VERSION ? 0 : expected;
}

/**
 * A time as PostgreSQL reads it: ISO 8601, a year past 9999 without JavaScript's "+0" padding, and a
 * year before 1 as PostgreSQL counts it (it has no year 0: ISO's year 0 is 1 BC, -1 is 2 BC).
 */
function sqlTime(date: Date | null | undefined): string | null | undefined {
  if (!date) return date;
  const iso = date.toISOString();
  const year = date.getUTCFullYear();
  if (year > 0) return iso.replace(/^\+0*/, '');
  return `${String(1 - year).padStart(4, '0')}${iso.slice(iso.indexOf('-', 1))} BC`;
}

/** A committed change goes to the list's members, in seq order (the function took `seq` under the list's lock). */
function tell<E extends 'task:created' | 'task:updated' | 'task:deleted'>(
  out: Outbox,
  event: E,
  payload: EventPayload<E>,
  to: string[],
  listId: string,
  seq: number,
): void {
  out.add({ event, payload, to, listId, seq });
}
