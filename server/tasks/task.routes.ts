import { Router } from 'express';
import { restTaskDeleteSchema, restTaskPatchSchema } from '../../shared/schemas';
import type { Ctx } from '../context';
import { body, requireAuth, spendEvent, uuidParams } from '../http/middleware';
import { deleteTask, updateTask } from './task.service';

export function taskRoutes(ctx: Ctx): Router {
  return Router()
    .use(requireAuth(ctx), spendEvent(ctx))
    .patch('/:id', uuidParams('id'), body(restTaskPatchSchema), async (req, res) => {
      const { expectedVersion, mutationId, ...patch } = req.body;
      res.json(await updateTask(ctx, { userId: res.locals.user.id }, { id: req.params.id as string, patch, expectedVersion, mutationId }));
    })
    .delete('/:id', uuidParams('id'), body(restTaskDeleteSchema), async (req, res) => {
      await deleteTask(ctx, { userId: res.locals.user.id }, { ...req.body, id: req.params.id as string });
      res.status(204).end();
    });
}
