import { Router, type RequestHandler } from 'express';
import {
  restTaskCreateSchema,
  restTaskDeleteSchema,
  restTaskPatchSchema,
  restTaskRestoreSchema,
  taskPageQuerySchema,
  trashQuerySchema,
} from '../../shared/schemas';
import type { Ctx } from '../changes/context';
import { answerCost } from '../core/rates';
import { actorOf, uuidParams } from '../core/route-helpers';
import { validate } from '../core/validate';
import { listTasks } from './task.reads';
import { createTask, deleteTask, updateTask } from './task.service';
import { listTrash, restoreTask } from './trash.service';

/** Tasks for clients without a socket (`authed`: authentication and the user's event budget). */
export function taskRoutes(ctx: Ctx, authed: RequestHandler): Router {
  return Router()
    .get('/lists/:listId/tasks', authed, uuidParams('listId'), async (req, res) => {
      // an expensive read: one of the user's events to start, a few at once, then the rest of its answer's cost
      const actor = actorOf(res);
      await ctx.rates.spendEvent(actor.userId);
      const query = validate(taskPageQuerySchema, req.query);
      const page = await ctx.reads.run(actor.userId, () => listTasks(ctx, actor, req.params.listId as string, query));
      const body = JSON.stringify(page);
      await ctx.rates.chargeEvent(actor.userId, answerCost(Buffer.byteLength(body)) - 1);
      res.type('json').send(body);
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
    })
    .get('/lists/:listId/trash', authed, uuidParams('listId'), async (req, res) => {
      const query = validate(trashQuerySchema, req.query);
      res.json(await listTrash(ctx, actorOf(res), { ...query, listId: req.params.listId as string }));
    })
    .post('/tasks/:id/restore', authed, uuidParams('id'), async (req, res) => {
      const { mutationId } = validate(restTaskRestoreSchema, req.body);
      res.json(await restoreTask(ctx, actorOf(res), { id: req.params.id as string, mutationId }));
    });
}
