/**
 * Sends committed changes to the rooms `user:<id>` of the users who may see them, through the
 * Socket.IO adapter (so every server node delivers them), never to the socket that made the change.
 *
 * Two transactions on one list commit in seq order (the list row is locked while a seq is taken), but
 * their post-commit code may race; a transaction waits until the previous seq of the same list was
 * sent by this process, so each socket sees one list's changes in order.
 */
import type { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/events';
import type { Outbox } from './outbox';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents>;

export const userRoom = (userId: string) => `user:${userId}`;

const ORDER_WAIT_MS = 2_000; // never let one stuck sender hold a list's events for long

interface Turn { done: Promise<void>; release: () => void }

export class Notifier {
  private io?: IoServer;
  private readonly turns = new Map<string, Turn>(); // `${listId}:${seq}` -> released once sent
  /** The turns each outbox took: a rolled-back seq is taken again by the next transaction, under the same key. */
  private readonly owned = new WeakMap<Outbox, Turn[]>();

  attach(io: IoServer): void {
    this.io = io;
  }

  /** Called inside the transaction right after it took `seq` of `listId`. */
  reserve(outbox: Outbox, listId: string, seq: number): void {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const turn = { done, release };
    this.turns.set(`${listId}:${seq}`, turn);
    outbox.seqs.push({ listId, seq });
    this.owned.set(outbox, [...(this.owned.get(outbox) ?? []), turn]);
  }

  /** After a rollback: nothing will be sent for these seqs. */
  cancel(outbox: Outbox): void {
    const turns = this.owned.get(outbox) ?? [];
    outbox.seqs.forEach(({ listId, seq }, i) => this.finish(listId, seq, turns[i]));
  }

  /** After the commit: send every note, in seq order per list. */
  async publish(outbox: Outbox, exceptSocketId?: string): Promise<void> {
    try {
      for (const note of outbox.notes) {
        if (note.listId && note.seq) await this.previous(note.listId, note.seq);
        if (!this.io || note.to.length === 0) continue;
        const rooms = note.to.map(userRoom);
        const target = exceptSocketId ? this.io.to(rooms).except(exceptSocketId) : this.io.to(rooms);
        (target.emit as (event: string, payload: unknown) => boolean)(note.event, note.payload);
      }
    } finally {
      this.cancel(outbox);
    }
  }

  /** Disconnects every socket of the user, on every node. */
  disconnectUser(userId: string): void {
    this.io?.in(userRoom(userId)).disconnectSockets(true);
  }

  private async previous(listId: string, seq: number): Promise<void> {
    const turn = this.turns.get(`${listId}:${seq - 1}`);
    if (!turn) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([turn.done, new Promise<void>((r) => (timer = setTimeout(r, ORDER_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** Releases this outbox's own turn; the key may hold a later transaction's turn for the same seq by now. */
  private finish(listId: string, seq: number, turn: Turn | undefined): void {
    const key = `${listId}:${seq}`;
    turn?.release();
    if (this.turns.get(key) === turn) this.turns.delete(key);
  }
}
