/**
 * Sends committed changes to the rooms `user:<id>` of the users who may see them, never to the socket
 * that made the change: at once to this node's sockets, and through the Socket.IO adapter to every
 * other node (which delivers to its own sockets on receipt).
 *
 * Two transactions on one list commit in seq order (the list row is locked while a seq is taken), but
 * their post-commit code may race; a transaction waits until the previous seq of the same list was
 * sent by this process, so each socket sees one list's changes in order.
 */
import type { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/events';
import type { Logger } from './logger';
import type { Outbox, Turn } from './outbox';
import { withTimeout } from './timeout';

/** A committed note relayed to the other nodes. */
export interface Relay {
  event: string;
  payload: unknown;
  to: string[];
  except?: string;
}

interface InterServerEvents {
  'todo:relay': (relay: Relay) => void;
  /** Logout-all: the user's new token version. */
  'todo:revoked': (revoked: { userId: string; version: number }) => void;
}

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents>;

export const userRoom = (userId: string) => `user:${userId}`;

const ORDER_WAIT_MS = 2_000; // never let one stuck sender hold a list's events for long

export class Notifier {
  private io?: IoServer;
  private readonly turns = new Map<string, Turn>(); // `${listId}:${seq}` -> released once sent

  /**
   * @param clustered other nodes may exist (a cluster adapter is attached): relay to them
   * @param onRevoked told of every logout-all, on this node or another
   */
  constructor(
    private readonly logger: Logger,
    private readonly clustered: boolean,
    private readonly onRevoked: (userId: string, version: number) => void,
  ) {}

  attach(io: IoServer): void {
    this.io = io;
    io.on('todo:relay', (relay) => this.deliver(relay));
    io.on('todo:revoked', ({ userId, version }) => this.onRevoked(userId, version));
  }

  /** Called inside the transaction right after it took `seq` of `listId`. */
  reserve(outbox: Outbox, listId: string, seq: number): void {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const key = `${listId}:${seq}`;
    const turn = { done, release };
    this.turns.set(key, turn);
    outbox.turns.push({ key, turn });
  }

  /** After a rollback, or once sent: releases the outbox's own turns. */
  cancel(outbox: Outbox): void {
    for (const { key, turn } of outbox.turns) {
      turn.release();
      // a rolled-back seq is taken again by the next transaction: the key may hold its turn by now
      if (this.turns.get(key) === turn) this.turns.delete(key);
    }
  }

  /** After the commit: sends every note, in seq order per list, in the background; never throws. */
  publish(outbox: Outbox, exceptSocketId?: string): void {
    if (outbox.notes.length === 0) {
      this.cancel(outbox);
      return;
    }
    this.send(outbox, exceptSocketId).catch((err: unknown) => {
      this.logger.error({ err }, 'could not send changes');
    });
  }

  private async send(outbox: Outbox, exceptSocketId?: string): Promise<void> {
    try {
      for (const note of outbox.notes) {
        if (note.listId && note.seq) await this.previous(note.listId, note.seq);
        if (!this.io || note.to.length === 0) continue;
        const relay: Relay = { event: note.event, payload: note.payload, to: note.to, except: exceptSocketId };
        this.deliver(relay);
        if (this.clustered) this.io.serverSideEmit('todo:relay', relay);
      }
    } finally {
      this.cancel(outbox);
    }
  }

  /** Emits to this node's sockets of the users in `to`; a failure is logged, never thrown at the sender. */
  private deliver({ event, payload, to, except }: Relay): void {
    try {
      const rooms = to.map(userRoom);
      const target = except ? this.io!.local.to(rooms).except(except) : this.io!.local.to(rooms);
      (target.emit as (event: string, payload: unknown) => boolean)(event, payload);
    } catch (err) {
      this.logger.error({ err, event }, 'could not deliver a change');
    }
  }

  /** Logout-all: every node learns the new token version and disconnects the user's sockets. */
  revokeUser(userId: string, version: number): void {
    this.onRevoked(userId, version);
    if (this.clustered) this.io?.serverSideEmit('todo:revoked', { userId, version });
    this.io?.in(userRoom(userId)).disconnectSockets(true);
  }

  private async previous(listId: string, seq: number): Promise<void> {
    const turn = this.turns.get(`${listId}:${seq - 1}`);
    if (!turn) return;
    await withTimeout(turn.done, ORDER_WAIT_MS, undefined);
  }
}
