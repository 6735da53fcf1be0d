/**
 * Tasks: create, update (and move) and delete, with the list's role rules, each one `mutate()`
 * (changes/mutate.ts) through the models: the list's seq with its members (lists/list-seq.ts), the
 * role, the bound of live tasks, expectedVersion, the task row and its tombstone, in one transaction.
 * Reads: task.reads.ts.
 */
import { literal, type WhereOptions } from 'sequelize';
import type { EventPayload } from '../../shared/events';
import type { EventInput } from '../../shared/schemas';
import type { Task as TaskDto, TaskDeleted } from '../../shared/types';
import type { Actor, Ctx } from '../changes/context';
import { mutate, type ChangeScope } from '../changes/mutate';
import type { Outbox } from '../changes/outbox';
import { AppError } from '../core/errors';
import { authorize, WRITERS } from '../lists/access';
import { takeSeq, takeSeqOfTask, takeSeqOfTaskWith, takeSeqs, type Taken } from '../lists/list-seq';
import { ListMember } from '../lists/member.model';
import { applyPatch, checkAssignee, checkVersion } from './task-patch';
import { Task } from './task.model';
import { TaskTombstone } from './tombstone.model';

/** Column values as Task.update takes them (values, or SQL such as `version + 1`). */
type TaskValues = Parameters<typeof Task.update>[0];

export async function createTask(ctx: Ctx, actor: Actor, input: EventInput<'task:create'>): Promise<{ task: TaskDto }> {
  const { listId } = input;
  const event = 'task:create';
  return mutate(
    ctx,
    actor,
    { event, mutationId: input.mutationId, retried: retriedCreate(actor, input.id) },
    async (scope) => {
      const list = await takeSeq(ctx, scope, listId, { tasks: 1, stampTask: true });
      if (!list) throw new AppError('not_found', 'List not found');
      authorize(list.members, actor.userId, WRITERS);
      checkRoom(ctx, list);
      checkAssignee(input.assigneeId, list.members);
      const task = await Task.build({
        id: input.id,
        listId,
        title: input.title,
        notes: input.notes ?? '',
        dueAt: input.dueAt ?? null,
        priority: input.priority ?? 0,
        position: input.position ?? '',
        assigneeId: input.assigneeId ?? null,
        completedAt: null,
        seq: list.seq,
        createdBy: actor.userId,
        updatedBy: actor.userId,
        createdAt: list.taskStamp,
        updatedAt: list.taskStamp,
      }).save({ ...FAST, transaction: scope.t, silent: true, returning: false });
      const answer = { task: task.toDto() };
      scope.log({ listId: list.listId, seq: list.seq, kind: 'task.created', taskId: task.id });
      tell(scope.out, 'task:created', answer, list);
      return answer;
    },
  );
}

/**
 * A create retried by its `id` (its answer lost, or sent from two devices): the creator who still
 * sees the task's list gets it again; anyone else's id is taken.
 */
const retriedCreate =
  (actor: Actor, id: string | undefined) =>
  async (err: unknown): Promise<{ task: TaskDto } | undefined> => {
    if (!id) return undefined;
    const existing = await Task.findByPk(id);
    if (!existing) return undefined;
    if (existing.createdBy === actor.userId && (await isMember(existing.listId, actor.userId))) {
      if (existing.deletedAt) throw new AppError('conflict', 'This task was created and deleted since');
      return { task: existing.toDto() };
    }
    if (err instanceof AppError) return undefined; // refused before its id was found taken
    throw new AppError('conflict', 'A task with this id exists already');
  };

async function isMember(listId: string, userId: string): Promise<boolean> {
  return (await ListMember.count({ where: { listId, userId } })) > 0;
}

export async function updateTask(
  ctx: Ctx,
  actor: Actor,
  input: EventInput<'task:update'>,
): Promise<{ task: TaskDto; from?: TaskDeleted }> {
  const { id, patch, expectedVersion } = input;
  if (Object.keys(patch).length === 0) throw new AppError('validation_error', 'The patch changes nothing');
  return mutate(ctx, actor, { event: 'task:update', mutationId: input.mutationId }, async (scope) => {
    if (patch.listId) {
      const from = await Task.findOne({
        where: { id, deletedAt: null },
        attributes: ['listId'],
        transaction: scope.t,
        raw: true,
      });
      if (!from) throw new AppError('not_found', 'Task not found');
      if (from.listId !== patch.listId) return moveTask(ctx, actor, scope, input, from.listId, patch.listId);
    }
    // the take carries the read of the task's row: it is read once the list's row lock is held
    const { list, rows } = await takeSeqOfTaskWith(ctx, scope, id, selectTask(ctx, id));
    if (!list) throw new AppError('not_found', 'Task not found');
    authorize(list.members, actor.userId, WRITERS, 'Task');
    const current = rows.length ? Task.build(rows[0] as never, { raw: true, isNewRecord: false }) : null;
    if (!current || current.listId !== list.listId || current.deletedAt) throw refusal(current, list.listId);
    checkVersion(current, patch, expectedVersion);
    checkAssignee(patch.assigneeId, list.members);
    const task = await rewrite(scope, current, applyPatch(current, patch, list, actor.userId), list);
    const answer = { task: task.toDto() };
    tell(scope.out, 'task:updated', answer, list);
    return answer;
  });
}

/** The task's row, every attribute under its model name: text, its id escaped in (sent with the take). */
export const selectTask = (ctx: Ctx, id: string) =>
  `SELECT ${Object.entries(Task.getAttributes())
    .map(([name, a]) => `"${a.field ?? name}" AS "${name}"`)
    .join(', ')} FROM tasks WHERE id = ${ctx.sequelize.escape(id)}`;

/**
 * Writes the row `applyPatch` made (nothing is read back: the answer is the known values) and logs the
 * change in `list`, whose seq the values carry.
 */
async function rewrite(
  scope: ChangeScope,
  current: Task,
  { values, changes }: ReturnType<typeof applyPatch>,
  list: Taken,
): Promise<Task> {
  await Task.update(values, {
    ...FAST,
    where: { id: current.id },
    returning: false,
    silent: true,
    transaction: scope.t,
  });
  scope.log({ listId: list.listId, seq: list.seq, kind: 'task.updated', taskId: current.id, changes });
  return current.set(values, { raw: true });
}

/** A move is a delete in the old list and a create in the new one, each with its own seq (and activity entry). */
async function moveTask(
  ctx: Ctx,
  actor: Actor,
  scope: ChangeScope,
  { id, patch, expectedVersion }: EventInput<'task:update'>,
  fromId: string,
  toId: string,
): Promise<{ task: TaskDto; from: TaskDeleted }> {
  const lists = await takeSeqs(ctx, scope, [
    { listId: fromId, tasks: -1 },
    { listId: toId, tasks: 1 },
  ]);
  const from = lists.get(fromId);
  const to = lists.get(toId);
  if (!from || !to) throw new AppError('not_found', 'List not found');
  authorize(from.members, actor.userId, WRITERS, 'Task');
  // a stale task answers conflict before anything is said of the target list
  const current = await Task.findByPk(id, { transaction: scope.t });
  if (!current || current.listId !== fromId || current.deletedAt) throw refusal(current, fromId);
  checkVersion(current, patch, expectedVersion);
  authorize(to.members, actor.userId, WRITERS);
  checkRoom(ctx, to);
  checkAssignee(patch.assigneeId, to.members);
  const moved = applyPatch(current, patch, to, actor.userId);
  scope.log({ listId: fromId, seq: from.seq, kind: 'task.updated', taskId: id, changes: moved.changes });
  const task = await rewrite(scope, current, moved, to);
  const gone: TaskDeleted = { id, listId: fromId, seq: from.seq };
  await TaskTombstone.create({ listId: fromId, seq: from.seq, taskId: id, createdAt: to.now }, tombstoneOptions(scope));
  tell(scope.out, 'task:deleted', gone, from);
  tell(scope.out, 'task:created', { task: task.toDto() }, to);
  return { task: task.toDto(), from: gone };
}

export async function deleteTask(ctx: Ctx, actor: Actor, input: EventInput<'task:delete'>): Promise<TaskDeleted> {
  return mutate(ctx, actor, { event: 'task:delete', mutationId: input.mutationId }, async (scope) => {
    const list = await takeSeqOfTask(ctx, scope, input.id, { tasks: -1 });
    if (!list) throw new AppError('not_found', 'Task not found');
    authorize(list.members, actor.userId, WRITERS, 'Task');
    await write(scope, actor, list, input.id, input.expectedVersion, {
      deletedAt: list.now,
      deletedBy: actor.userId,
    });
    const deleted: TaskDeleted = { id: input.id, listId: list.listId, seq: list.seq };
    await TaskTombstone.create(
      { listId: list.listId, seq: list.seq, taskId: input.id, createdAt: list.now },
      tombstoneOptions(scope),
    );
    scope.log({ listId: list.listId, seq: list.seq, kind: 'task.deleted', taskId: input.id });
    tell(scope.out, 'task:deleted', deleted, list);
    return deleted;
  });
}

/**
 * Deletes the live task `id` of `list.listId` at the expected version, with the list's seq. When no
 * row matches, says why: the task went, was moved meanwhile, or is not at the expected version (a
 * stale delete is a conflict, whatever changed).
 */
async function write(
  scope: ChangeScope,
  actor: Actor,
  list: Taken,
  id: string,
  expectedVersion: number | undefined,
  values: TaskValues,
): Promise<void> {
  const fromId = list.listId;
  // a version past what the column holds is never current: stale, like any other
  if (expectedVersion !== undefined && expectedVersion > MAX_VERSION) {
    throw refusal(await Task.findByPk(id, { transaction: scope.t }), fromId);
  }
  const where: WhereOptions<Task> = { id, listId: fromId, deletedAt: null };
  if (expectedVersion !== undefined) Object.assign(where, { version: expectedVersion });
  const [count] = await Task.update(
    { ...values, seq: list.seq, version: literal('version + 1'), updatedBy: actor.userId, updatedAt: list.now },
    { ...FAST, where, returning: false, silent: true, transaction: scope.t },
  );
  if (count === 0) throw refusal(await Task.findByPk(id, { transaction: scope.t }), fromId);
}

/**
 * Writes on the hot path skip Sequelize's validation pass (it builds an instance to check values the
 * shared joi schema checked already, and the table's constraints hold anyway) and its hooks (none).
 */
export const FAST = { validate: false, hooks: false } as const;

/** The most a task's version (an SQL integer) can be. */
const MAX_VERSION = 2 ** 31 - 1;

/** Why a task the caller may write in `listId` could not be changed. */
function refusal(task: Task | null, listId: string): AppError {
  if (!task || task.deletedAt) return new AppError('not_found', 'Task not found');
  if (task.listId !== listId) return new AppError('conflict', 'The task was moved meanwhile: sync and try again');
  return new AppError('conflict', 'The task has changed since that version', { task: task.toDto() });
}

/** Refuses a task more in a list that holds the most already (its count is this change's). */
export function checkRoom(ctx: Ctx, list: Taken): void {
  if (list.taskCount > ctx.config.maxTasksPerList) {
    throw new AppError('limit_exceeded', `A list holds at most ${ctx.config.maxTasksPerList} tasks`);
  }
}

const tombstoneOptions = (scope: ChangeScope) => ({ ...FAST, transaction: scope.t, returning: false, silent: true });

/** A committed change goes to the list's members, in seq order. */
export function tell<E extends 'task:created' | 'task:updated' | 'task:deleted'>(
  out: Outbox,
  event: E,
  payload: EventPayload<E>,
  list: Taken,
): void {
  out.add({ event, payload, to: list.members.map((m) => m.userId), listId: list.listId, seq: list.seq });
}
