import * as s from '../../shared/schemas';
import type { Ctx } from '../context';
import type { HandlerMap } from '../realtime/handlers';
import { createList, deleteList, listMembers, renameList, shareList, unshareList } from './list.service';

export const listHandlers = (ctx: Ctx): HandlerMap => ({
  'list:create': { schema: s.listCreateSchema, run: (actor, input) => createList(ctx, actor, input) },
  'list:rename': { schema: s.listRenameSchema, run: (actor, input) => renameList(ctx, actor, input) },
  'list:delete': { schema: s.listDeleteSchema, run: (actor, input) => deleteList(ctx, actor, input) },
  'list:share': { schema: s.listShareSchema, run: (actor, input) => shareList(ctx, actor, input) },
  'list:unshare': { schema: s.listUnshareSchema, run: (actor, input) => unshareList(ctx, actor, input) },
  'list:members': { schema: s.listMembersSchema, run: (actor, input) => listMembers(ctx, actor, input.listId) },
});
