import * as s from '../../shared/schemas';
import type { Ctx } from '../context';
import type { HandlerMap } from '../realtime/handlers';
import { createTask, deleteTask, updateTask } from './task.service';

export const taskHandlers = (ctx: Ctx): HandlerMap => ({
  'task:create': { schema: s.taskCreateSchema, run: (actor, input) => createTask(ctx, actor, input) },
  'task:update': { schema: s.taskUpdateSchema, run: (actor, input) => updateTask(ctx, actor, input) },
  'task:delete': { schema: s.taskDeleteSchema, run: (actor, input) => deleteTask(ctx, actor, input) },
});
