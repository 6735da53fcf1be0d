import { Router } from 'express';
import { listCreateSchema, restTaskCreateSchema, taskPageQuerySchema } from '../../shared/schemas';
import type { Ctx } from '../context';
import { validate } from '../errors';
import { body, requireAuth, spendEvent, uuidParams } from '../http/middleware';
import { createTask, listTasks, type TaskPageQuery } from '../tasks/task.service';
import { createList, visibleLists } from './list.service';

const actor = (res: { locals: { user: { id: string } } }) => ({ userId: res.locals.user.id });

export function listRoutes(ctx: Ctx): Router {
  return Router()
    .use(requireAuth(ctx), spendEvent(ctx))
    .get('/', async (_req, res) => { res.json({ lists: await visibleLists(ctx, actor(res).userId) }); })
    .post('/', body(listCreateSchema), async (req, res) => { res.status(201).json(await createList(ctx, actor(res), req.body)); })
    .get('/:listId/tasks', uuidParams('listId'), async (req, res) => {
      const page = validate<TaskPageQuery>(taskPageQuerySchema, req.query);
      res.json(await listTasks(ctx, actor(res), req.params.listId as string, page));
    })
    .post('/:listId/tasks', uuidParams('listId'), body(restTaskCreateSchema), async (req, res) => {
      res.status(201).json(await createTask(ctx, actor(res), { ...req.body, listId: req.params.listId }));
    });
}
