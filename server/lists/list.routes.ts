import { Router, type RequestHandler } from 'express';
import { listCreateSchema } from '../../shared/schemas';
import { actorOf } from '../core/express';
import { validate } from '../core/validate';
import { createList, visibleLists } from './list.service';

/** /api/lists: the caller's lists, and a new one (`authed`: authentication and the user's event budget). */
export function listRoutes(ctx: Parameters<typeof createList>[0], authed: RequestHandler): Router {
  return Router()
    .get('/lists', authed, async (_req, res) => {
      res.json({ lists: await visibleLists(ctx, actorOf(res).userId) });
    })
    .post('/lists', authed, async (req, res) => {
      res.status(201).json(await createList(ctx, actorOf(res), validate(listCreateSchema, req.body)));
    });
}
