/** The queued changes the client's methods make: each a Mutation with its payload and a fresh mutationId. */
import type { TaskPatch } from '../shared/events';
import { now, TodoClientError, uuid } from './errors';
import type { Mutation } from './queue';

const made = (m: Omit<Mutation, 'at'>): Mutation => ({ ...m, at: now() }) as Mutation;

export function taskUpdate(id: string, patch: TaskPatch, expectedVersion?: number): Mutation {
  const payload = { id, patch: { ...patch }, mutationId: uuid() };
  return made({
    event: 'task:update',
    payload: expectedVersion === undefined ? payload : { ...payload, expectedVersion },
  });
}

export function taskDelete(id: string, expectedVersion?: number): Mutation {
  const payload = { id, mutationId: uuid() };
  return made({
    event: 'task:delete',
    payload: expectedVersion === undefined ? payload : { ...payload, expectedVersion },
  });
}

export function commentCreate(taskId: string, body: string, opts: { mentions?: string[]; id?: string }): Mutation {
  const { id = uuid(), mentions } = opts;
  return made({
    event: 'comment:create',
    payload: { taskId, id, body, ...(mentions && { mentions }), mutationId: uuid() },
  });
}

export function commentUpdate(id: string, body: string, mentions: string[] | undefined): Mutation {
  return made({ event: 'comment:update', payload: { id, body, ...(mentions && { mentions }), mutationId: uuid() } });
}

export const commentDelete = (id: string): Mutation =>
  made({ event: 'comment:delete', payload: { id, mutationId: uuid() } });

/** moveTask's refusal of a task not shown. */
export const noTask = () => new TodoClientError('not_found', 'No such task', undefined, undefined, 'task:update');
