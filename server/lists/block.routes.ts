import { Router, type RequestHandler } from 'express';
import { listsLeaveSchema, restUnblockSchema, userBlockSchema } from '../../shared/schemas';
import type { Ctx } from '../changes/context';
import { actorOf, uuidParams } from '../core/route-helpers';
import { validate } from '../core/validate';
import { blockUser, listBlocks, unblockUser } from './block.service';
import { leaveListsOf } from './leave.service';

/** The REST mirrors of user:block, user:unblock, blocks:list and lists:leave (`authed`: authentication and the user's event budget). */
export function blockRoutes(ctx: Ctx, authed: RequestHandler): Router {
  return Router()
    .get('/blocks', authed, async (_req, res) => {
      res.json(await listBlocks(ctx, actorOf(res)));
    })
    .post('/blocks', authed, async (req, res) => {
      res.status(201).json(await blockUser(ctx, actorOf(res), validate(userBlockSchema, req.body)));
    })
    .delete('/blocks/:userId', authed, uuidParams('userId'), async (req, res) => {
      const input = validate(restUnblockSchema, req.body);
      await unblockUser(ctx, actorOf(res), { ...input, userId: req.params.userId as string });
      res.status(204).end();
    })
    .post('/lists/leave', authed, async (req, res) => {
      res.json(await leaveListsOf(ctx, actorOf(res), validate(listsLeaveSchema, req.body)));
    });
}
