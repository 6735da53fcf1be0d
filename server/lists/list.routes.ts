import { Router, type RequestHandler } from 'express';
import { activityQuerySchema, listCreateSchema } from '../../shared/schemas';
import { actorOf, uuidParams } from '../core/route-helpers';
import { validate } from '../core/validate';
import { listActivity } from './activity.reads';
import { createList } from './list.service';
import { listsTag, noneMatch, taggedLists } from './list.tag';

/** /api/lists: the caller's lists, and a new one (`authed`: authentication and the user's event budget). */
export function listRoutes(ctx: Parameters<typeof createList>[0], authed: RequestHandler): Router {
  return Router()
    .get('/lists', authed, async (req, res) => {
      const { userId } = actorOf(res);
      // a client that holds the lists of the tag it names gets a 304: their tag is read, not the lists
      const held = req.get('if-none-match');
      if (held !== undefined) {
        const { tag } = await listsTag(ctx, userId);
        if (noneMatch(held, tag)) {
          res.setHeader('ETag', `"${tag}"`);
          res.status(304).end();
          return;
        }
      }
      const { tag, lists } = await taggedLists(ctx, userId);
      res.setHeader('ETag', `"${tag}"`);
      res.json({ lists });
    })
    .post('/lists', authed, async (req, res) => {
      res.status(201).json(await createList(ctx, actorOf(res), validate(listCreateSchema, req.body)));
    })
    .get('/lists/:listId/activity', authed, uuidParams('listId'), async (req, res) => {
      const query = validate(activityQuerySchema, req.query);
      res.json(await listActivity(ctx, actorOf(res), { ...query, listId: req.params.listId as string }));
    });
}
