import type { Ctx } from '../changes/context';
import type { DomainEvents, SocketDomain } from '../core/socket-domain';
import { listActivity } from './activity.reads';
import { blockUser, listBlocks, unblockUser } from './block.service';
import { leaveListsOf } from './leave.service';
import { joinListRooms } from './list-rooms';
import { createList, deleteList, listMembers, renameList, shareList, unshareList } from './list.service';

export const listEvents = (ctx: Ctx): DomainEvents => ({
  'list:create': (actor, input) => createList(ctx, actor, input),
  'list:rename': (actor, input) => renameList(ctx, actor, input),
  'list:delete': (actor, input) => deleteList(ctx, actor, input),
  'list:share': (actor, input) => shareList(ctx, actor, input),
  'list:unshare': (actor, input) => unshareList(ctx, actor, input),
  'list:members': (actor, input) => listMembers(actor, input.listId),
  'lists:leave': (actor, input) => leaveListsOf(ctx, actor, input),
  'user:block': (actor, input) => blockUser(ctx, actor, input),
  'user:unblock': (actor, input) => unblockUser(ctx, actor, input),
  'blocks:list': (actor) => listBlocks(ctx, actor),
  'activity:list': (actor, input) => listActivity(ctx, actor, input),
});

/** The lists' part of the socket transport: a socket joins its lists' rooms (list-rooms.ts) when it connects. */
export const listDomain = (ctx: Ctx): SocketDomain => ({
  events: listEvents(ctx),
  connected: (socket) => joinListRooms(ctx, socket),
});
