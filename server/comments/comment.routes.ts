import { Router, type RequestHandler } from 'express';
import { commentsQuerySchema, restCommentCreateSchema } from '../../shared/schemas';
import type { Ctx } from '../changes/context';
import { actorOf, uuidParams } from '../core/route-helpers';
import { validate } from '../core/validate';
import { listComments } from './comment.reads';
import { createComment } from './comment.service';

/** Comments for clients without a socket (`authed`: authentication and the user's event budget). */
export function commentRoutes(ctx: Ctx, authed: RequestHandler): Router {
  return Router()
    .get('/tasks/:id/comments', authed, uuidParams('id'), async (req, res) => {
      const actor = actorOf(res);
      await ctx.rates.spendEvent(actor.userId);
      const query = validate(commentsQuerySchema, req.query);
      res.json(await listComments(ctx, actor, { ...query, taskId: req.params.id as string }));
    })
    .post('/tasks/:id/comments', authed, uuidParams('id'), async (req, res) => {
      const input = validate(restCommentCreateSchema, req.body);
      res.status(201).json(await createComment(ctx, actorOf(res), { ...input, taskId: req.params.id as string }));
    });
}
