/** What a test asks of the list rooms (server/lists/list-rooms.ts): which sockets are in one. */
import { expect } from 'chai';
import { listRoom } from '../../server/lists/list-rooms';
import type { ClientSocket, TestServer } from './server';

/** The ids of the sockets in the list's room, over every node of `server`'s cluster. */
export const inRoom = async (server: TestServer, listId: string) =>
  (await server.parts.io.in(listRoom(listId)).fetchSockets()).map((s) => s.id).sort();

/**
 * Resolves once the list's room holds exactly `sockets` (looking every 20 ms, for at most 5 s): a
 * move through the adapter is published before it is applied, so it lands a moment after its call.
 */
export async function roomHolds(server: TestServer, listId: string, sockets: ClientSocket[]): Promise<void> {
  const want = sockets.map((s) => s.id!).sort();
  const deadline = Date.now() + 5_000;
  let got = await inRoom(server, listId);
  while (JSON.stringify(got) !== JSON.stringify(want) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    got = await inRoom(server, listId);
  }
  expect(got, listRoom(listId)).to.deep.equal(want);
}
