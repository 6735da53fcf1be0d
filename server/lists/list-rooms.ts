/**
 * Each list's Socket.IO room `list:<id>`, for ephemeral traffic among its members' sockets. Presence
 * (server/presence/) keeps its own set of the sockets that joined, and is told of every leave and close
 * (onListRoomLeft()). Changes do not go through it: they go to the members' user rooms (changes/notifier.ts), in
 * seq order, as the contract says. A socket joins the rooms of its lists when it connects (the lists
 * domain's `connected` hook); the services keep them current once a change that adds or removes a
 * member committed (`out.after(() => joinListRoom(...))`, run on every committed path): joinListRoom(), leaveListRoom() and
 * closeListRoom() move every socket of the user (or of the list), on every node, through the
 * Socket.IO adapter.
 */
import { QueryTypes } from 'sequelize';
import type { Ctx } from '../changes/context';
import type { Notifier } from '../changes/notifier';
import { userRoom } from '../changes/notifier';
import type { DomainSocket } from '../core/socket-domain';

export const listRoom = (listId: string) => `list:${listId}`;

/** What of the Socket.IO server moves sockets between rooms (on every node, with an adapter). */
export interface RoomServer {
  in(room: string): { socketsJoin(room: string): void; socketsLeave(room: string): void };
}

/** The Socket.IO server of each running server, found from its ctx (ctx.notifier is one per server). */
const servers = new WeakMap<Notifier, RoomServer>();

/**
 * Told, on the node whose commit it was, that `userId` stopped being a member of `listId` (or, without
 * a user, that the list was deleted): a domain above (presence) drops what it holds of them on every node.
 */
export type RoomLeft = (listId: string, userId?: string) => void;
const leftHooks = new WeakMap<Notifier, RoomLeft[]>();

/** Wiring (app.ts): `hook` is told of every leaveListRoom() and closeListRoom() of the services of `ctx`. */
export function onListRoomLeft(ctx: Pick<Ctx, 'notifier'>, hook: RoomLeft): void {
  leftHooks.set(ctx.notifier, [...(leftHooks.get(ctx.notifier) ?? []), hook]);
}

const tellLeft = (ctx: Pick<Ctx, 'notifier'>, listId: string, userId?: string) => {
  for (const hook of leftHooks.get(ctx.notifier) ?? []) hook(listId, userId);
};

/** Wiring (app.ts): the services of `ctx` move the sockets of `io`. Until then the moves do nothing. */
export function attachListRooms(ctx: Pick<Ctx, 'notifier'>, io: RoomServer): void {
  servers.set(ctx.notifier, io);
}

/** After the commit that made `userId` a member of `listId`: every socket of the user joins the list's room. */
export function joinListRoom(ctx: Pick<Ctx, 'notifier'>, userId: string, listId: string): void {
  servers.get(ctx.notifier)?.in(userRoom(userId)).socketsJoin(listRoom(listId));
}

/** After the commit that removed `userId` from `listId`: every socket of the user leaves the list's room. */
export function leaveListRoom(ctx: Pick<Ctx, 'notifier'>, userId: string, listId: string): void {
  servers.get(ctx.notifier)?.in(userRoom(userId)).socketsLeave(listRoom(listId));
  tellLeft(ctx, listId, userId);
}

/** After the commit that deleted `listId`: every socket leaves its room. */
export function closeListRoom(ctx: Pick<Ctx, 'notifier'>, listId: string): void {
  const room = listRoom(listId);
  servers.get(ctx.notifier)?.in(room).socketsLeave(room);
  tellLeft(ctx, listId);
}

/**
 * The lists domain's `connected` hook: the socket joins the room of every list its user is a member
 * of (at most MAX_LISTS_PER_USER rooms). The socket is already in its user room, so a member added
 * meanwhile joins through joinListRoom() whatever the read saw. A member removed between the read
 * and the joins was moved out before it joined: the second read finds it gone, and the socket leaves.
 */
export async function joinListRooms(ctx: Pick<Ctx, 'sequelize'>, socket: DomainSocket): Promise<void> {
  const listIds = await listsOf(ctx, socket.userId);
  for (const listId of listIds) socket.join(listRoom(listId));
  const still = new Set(await listsOf(ctx, socket.userId));
  for (const listId of listIds) if (!still.has(listId)) socket.leave(listRoom(listId));
}

async function listsOf(ctx: Pick<Ctx, 'sequelize'>, userId: string): Promise<string[]> {
  const rows = await ctx.sequelize.query<{ list_id: string }>('SELECT list_id FROM list_members WHERE user_id = $1', {
    bind: [userId],
    type: QueryTypes.SELECT,
  });
  return rows.map((row) => row.list_id);
}
