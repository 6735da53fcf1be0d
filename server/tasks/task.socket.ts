import type { Ctx } from '../changes/context';
import type { DomainEvents, SocketDomain } from '../core/socket-domain';
import { createTask, deleteTask, updateTask } from './task.service';
import { listTrash, restoreTask } from './trash.service';

export const taskEvents = (ctx: Ctx): DomainEvents => ({
  'task:create': (actor, input) => createTask(ctx, actor, input),
  'task:update': (actor, input) => updateTask(ctx, actor, input),
  'task:delete': (actor, input) => deleteTask(ctx, actor, input),
  'task:restore': (actor, input) => restoreTask(ctx, actor, input),
  'trash:list': (actor, input) => listTrash(ctx, actor, input),
});

/** The tasks' part of the socket transport. */
export const taskDomain = (ctx: Ctx): SocketDomain => ({ events: taskEvents(ctx) });
