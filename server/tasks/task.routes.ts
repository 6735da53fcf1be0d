import { Router, type RequestHandler } from 'express';
import {
  restTaskCreateSchema,
  restTaskDeleteSchema,
  restTaskPatchSchema,
  taskPageQuerySchema,
} from '../../shared/schemas';
import type { Ctx } from '../core/context';
import { actorOf, uuidParams } from '../core/express';
import { validate } from '../core/validate';
import { listTasks } from './task.pages';
import { createTask, deleteTask, updateTask } from './task.service';

/** Tasks for clients without a socket (`authed`: authentication and the user's event budget). */
export function taskRoutes(ctx: Ctx, authed: RequestHandler): Router {
  return Router()
    .get('/lists/:listId/tasks', authed, uuidParams('listId'), async (req, res) => {
      res.json(
        await listTasks(ctx, actorOf(res), req.params.listId as string, validate(taskPageQuerySchema, req.query)),
      );
    })
    .post('/lists/:listId/tasks', authed, uuidParams('listId'), async (req, res) => {
      const input = validate(restTaskCreateSchema, req.body);
      res.status(201).json(await createTask(ctx, actorOf(res), { ...input, listId: req.params.listId as string }));
    })
    .patch('/tasks/:id', authed, uuidParams('id'), async (req, res) => {
      const { expectedVersion, mutationId, ...patch } = validate(restTaskPatchSchema, req.body);
      res.json(
        await updateTask(ctx, actorOf(res), { id: req.params.id as string, patch, expectedVersion, mutationId }),
      );
    })
    .delete('/tasks/:id', authed, uuidParams('id'), async (req, res) => {
      await deleteTask(ctx, actorOf(res), { ...validate(restTaskDeleteSchema, req.body), id: req.params.id as string });
      res.status(204).end();
    });
}
