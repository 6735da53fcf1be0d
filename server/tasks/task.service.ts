/** Tasks: create, update (and move) and delete, with the list's role rules. Reads: task.pages.ts. */
import { UniqueConstraintError, type Transaction } from 'sequelize';
import type { EventInput } from '../../shared/schemas';
import type { Task as TaskDto, TaskDeleted } from '../../shared/types';
import type { Actor, Ctx } from '../core/context';
import { mutate, type MutationScope, type Taken } from '../core/db/mutate';
import { AppError } from '../core/errors';
import { authorize, idsOf, membersOf, WRITERS } from '../lists/access';
import { Task } from './task.model';
import { TaskTombstone } from './tombstone.model';

export async function createTask(ctx: Ctx, actor: Actor, input: EventInput<'task:create'>): Promise<{ task: TaskDto }> {
  return mutate(
    ctx,
    actor,
    { event: 'task:create', mutationId: input.mutationId },
    async ({ t, out, nextSeq, lockId }) => {
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
        task = await Task.create(
          {
            id,
            listId,
            title,
            notes,
            priority,
            position,
            seq,
            dueAt: dueAt ?? null,
            completedAt: null,
            createdBy: actor.userId,
            updatedBy: actor.userId,
          },
          { transaction: t },
        );
      } catch (err) {
        if (err instanceof UniqueConstraintError) throw new AppError('conflict', 'A task with this id exists already');
        throw err;
      }
      const dto = task.toDto();
      out.add({ event: 'task:created', payload: { task: dto }, to: idsOf(members), listId, seq });
      return { task: dto };
    },
  );
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

export async function updateTask(
  ctx: Ctx,
  actor: Actor,
  input: EventInput<'task:update'>,
): Promise<{ task: TaskDto; from?: TaskDeleted }> {
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
      out.add({
        event: 'task:deleted',
        payload: { id: task.id, listId: fromList, seq: oldSeq },
        to: idsOf(from),
        listId: fromList,
        seq: oldSeq,
      });
      out.add({ event: 'task:created', payload: { task: dto }, to: idsOf(to), listId: task.listId, seq: task.seq });
      // the mover's ack also carries the old list's seq, so its client sees no gap there
      return { task: dto, from: { id: task.id, listId: fromList, seq: oldSeq } };
    } else {
      out.add({ event: 'task:updated', payload: { task: dto }, to: idsOf(to), listId: task.listId, seq: task.seq });
    }
    return { task: dto };
  });
}

export async function deleteTask(ctx: Ctx, actor: Actor, input: EventInput<'task:delete'>): Promise<TaskDeleted> {
  return mutate(ctx, actor, { event: 'task:delete', mutationId: input.mutationId }, async (scope) => {
    const { t, out } = scope;
    const { task, seqs } = await lockTask(scope, input.id, { deleting: true });
    const members = await membersOf(ctx.sequelize, task.listId, t);
    authorize(members, actor.userId, WRITERS, 'Task');
    checkVersion(task, input.expectedVersion);
    const { seq } = seqs.get(task.listId)!;
    await task.update(
      { deletedAt: new Date(), seq, version: task.version + 1, updatedBy: actor.userId },
      { transaction: t },
    );
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
  { t, nextSeq }: MutationScope,
  id: string,
  change: { target?: string; deleting?: boolean },
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

function applyPatch(task: Task, patch: EventInput<'task:update'>['patch'], userId: string): void {
  const { title, notes, priority, position, completed, dueAt, listId } = patch;
  if (title !== undefined) task.title = title;
  if (notes !== undefined) task.notes = notes;
  if (priority !== undefined) task.priority = priority;
  if (position !== undefined) task.position = position;
  if (dueAt !== undefined) task.dueAt = dueAt;
  if (listId !== undefined) task.listId = listId;
  if (completed !== undefined && completed !== task.completed) {
    task.completed = completed;
    task.completedAt = completed ? new Date() : null;
  }
  task.version += 1;
  task.updatedBy = userId;
}
