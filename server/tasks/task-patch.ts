/**
 * A task patch applied in TypeScript to the task's row as the change found it (read under the list's
 * row lock): the columns to write, the fields that changed (`{field: [old, new]}`, the activity's
 * `changes`), and the field-level merge of a stale `expectedVersion`.
 */
import type { EventInput } from '../../shared/schemas';
import type { ActivityChanges, TaskField } from '../../shared/types';
import { AppError } from '../core/errors';
import type { MemberRow } from '../lists/access';
import type { FieldVersions, Task } from './task.model';

export type Patch = EventInput<'task:update'>['patch'];

/** The columns of a task that a change writes. */
export interface TaskWrite {
  title: string;
  notes: string;
  completed: boolean;
  completedAt: Date | null;
  dueAt: Date | null;
  priority: number;
  position: string;
  listId: string;
  assigneeId: string | null;
  fieldVersions: FieldVersions;
  version: number;
  seq: number;
  updatedBy: string;
  updatedAt: Date;
}

/** A field's value as the wire says it (times as ISO strings), so that old and new compare. */
function wire(task: Pick<Task, TaskField>, field: TaskField): unknown {
  const value = task[field];
  return value instanceof Date ? value.toISOString() : value;
}

const patchFields = (patch: Patch): TaskField[] =>
  (Object.keys(patch) as TaskField[]).filter((f) => patch[f] !== undefined);

/**
 * Refuses a stale `expectedVersion` when a field of the patch changed after it (`conflict` with the
 * current task and those fields); one the task never had (past its version) is refused with every
 * field of the patch. A current or absent version passes.
 */
export function checkVersion(current: Task, patch: Patch, expectedVersion: number | undefined): void {
  if (expectedVersion === undefined || expectedVersion === current.version) return;
  const fields =
    expectedVersion > current.version
      ? patchFields(patch)
      : patchFields(patch).filter((f) => (current.fieldVersions[f] ?? 1) > expectedVersion);
  if (fields.length) {
    throw new AppError('conflict', 'The task has changed since that version', { task: current.toDto(), fields });
  }
}

/** An assignee must be a member of the task's list. */
export function checkAssignee(assigneeId: string | null | undefined, members: MemberRow[]): void {
  if (assigneeId && !members.some((m) => m.userId === assigneeId)) {
    throw new AppError('validation_error', 'assigneeId is not a member of the task\u2019s list', [
      { path: 'assigneeId', message: '"assigneeId" must be a member of the list' },
    ]);
  }
}

/**
 * The row after `patch` (into `listId`, for a move; an assignee who is no member there is cleared),
 * at `seq`, by `userId` at `now`, and what changed. Every field written that changed gets the new
 * version in `fieldVersions`.
 */
export function applyPatch(
  current: Task,
  patch: Patch,
  at: { listId: string; seq: number; now: Date; members: MemberRow[] },
  userId: string,
): { values: TaskWrite; changes: ActivityChanges } {
  const version = current.version + 1;
  const next: Pick<Task, TaskField> = {
    title: patch.title ?? current.title,
    notes: patch.notes ?? current.notes,
    completed: patch.completed ?? current.completed,
    dueAt: patch.dueAt !== undefined ? patch.dueAt : current.dueAt,
    priority: patch.priority ?? current.priority,
    position: patch.position ?? current.position,
    listId: at.listId,
    assigneeId: patch.assigneeId !== undefined ? patch.assigneeId : current.assigneeId,
  };
  if (next.assigneeId && !at.members.some((m) => m.userId === next.assigneeId)) next.assigneeId = null;
  const changes: ActivityChanges = {};
  const fieldVersions: FieldVersions = { ...current.fieldVersions };
  for (const field of Object.keys(next) as TaskField[]) {
    const [was, is] = [wire(current, field), wire(next, field)];
    if (was === is) continue;
    changes[field] = [was, is];
    fieldVersions[field] = version;
  }
  return {
    values: {
      ...next,
      // a task completed keeps the time it was first completed at
      completedAt: next.completed ? (current.completedAt ?? at.now) : null,
      fieldVersions,
      version,
      seq: at.seq,
      updatedBy: userId,
      updatedAt: at.now,
    },
    changes,
  };
}
