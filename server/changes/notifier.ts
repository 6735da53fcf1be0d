/**
 * Sends committed changes to the rooms `user:<id>` of the users who may see them, never to the socket
 * that made the change: at once to this node's sockets, and through the Socket.IO adapter to every
 * other node (which delivers to its own sockets on receipt).
 *
 * This node sends one list's changes in seq order (changes/delivery-order.ts), so each socket sees them in order.
 */
import type { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/events';
import type { Logger } from '../core/logger';
import { DeliveryOrder } from './delivery-order';
import type { Outbox } from './outbox';
import { withTimeout } from '../core/timeout';

/** A committed note relayed to the other nodes. */
export interface Relay {
  event: string;
  payload: unknown;
  to: string[];
  except?: string;
}

/** A node asks the others how many sockets a user holds there (server/realtime/socket-bound.ts). */
export interface SocketCountQuery {
  id: string;
  /** The asking node. */
  from: string;
  userId: string;
  /** The asking reservation's logical time. */
  stamp: number;
}

interface InterServerEvents {
  /** Committed notes, in the order this node sent them. */
  'todo:relay': (relays: Relay[]) => void;
  /** A node's relay was down for a while, or failed: every socket may have missed changes (acknowledged). */
  'todo:resync': (ack: () => void) => void;
  /** Logout-all: the user's new token version. */
  'todo:revoked': (revoked: { userId: string; version: number }) => void;
  /** Log out: one token revoked. */
  'todo:token-revoked': (revoked: { tokenId: string }) => void;
  /** How many sockets does this user hold on your node? Each node answers with todo:sockets-held. */
  'todo:sockets': (query: SocketCountQuery) => void;
  'todo:sockets-held': (reply: { id: string; to: string; count: number }) => void;
}

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents>;

/** Notes relayed in one message: a NOTIFY holds about 8 kB (the adapter stores larger ones in a table). */
const RELAY_BATCH = 8;

/** Committed changes found unsent get one sync:needed at most this often (one outage brings many). */
const MISSED_EVERY_MS = 2_000;

/** How long a failed relay is repaired for; after that, the adapter's own comeback (relayRestored) is the cure. */
const REPAIR_FOR_MS = 5 * 60_000;
const RESYNC_ACK_MS = 5_000;

export const userRoom = (userId: string) => `user:${userId}`;
/** The room of the sockets running on one token (its id), so that log out can reach them on every node. */
export const tokenRoom = (tokenId: string) => `token:${tokenId}`;

export class Notifier {
  private io?: IoServer;
  readonly order = new DeliveryOrder();
  private relays: Relay[] = []; // sent here, not yet relayed to the other nodes
  private missedTimer: NodeJS.Timeout | undefined;
  private lastMissed = 0;
  private repairing = false;
  /** How many other nodes are heard, when the adapter knows (a node alone relays nothing). */
  private peers?: () => number;
  private unrelayed = false; // a change was not relayed since the last node joined (none was heard)

  /**
   * @param clustered other nodes may exist (a cluster adapter is attached): relay to them
   * @param onRevoked told of every logout-all, on this node or another
   * @param onTokenRevoked told of every log out (one token), on this node or another
   */
  constructor(
    private readonly logger: Logger,
    private readonly clustered: boolean,
    private readonly onRevoked: (userId: string, version: number) => void,
    private readonly onTokenRevoked: (tokenId: string) => void,
  ) {}

  attach(io: IoServer): void {
    this.io = io;
    io.on('todo:relay', (relays) => {
      for (const relay of relays) this.deliver(relay);
    });
    io.on('todo:revoked', ({ userId, version }) => this.onRevoked(userId, version));
    io.on('todo:token-revoked', ({ tokenId }) => this.onTokenRevoked(tokenId));
    io.on('todo:resync', (ack) => {
      this.io?.local.emit('sync:needed', {});
      if (typeof ack === 'function') ack();
    });
  }

  /** After the commit: runs the effects, then sends every note, in seq order per list, in the background; never throws. */
  publish(outbox: Outbox, exceptSocketId?: string): void {
    for (const effect of outbox.effects) {
      try {
        effect();
      } catch (err) {
        this.logger.error({ err }, 'an effect of a committed change failed');
      }
    }
    this.send(outbox, exceptSocketId).catch((err: unknown) => {
      this.logger.error({ err }, 'could not send changes');
    });
  }

  private async send(outbox: Outbox, exceptSocketId: string | undefined): Promise<void> {
    try {
      for (const note of outbox.notes) {
        if (note.listId && note.seq) await this.order.before(note.listId, note.seq);
        if (this.io && note.to.length > 0) {
          const except = note.toSender ? undefined : exceptSocketId;
          const relay: Relay = { event: note.event, payload: note.payload, to: note.to, except };
          this.deliver(relay);
          if (this.clustered) this.relay(relay);
        }
        if (note.listId && note.seq) this.order.wasSent(note.listId, note.seq, outbox);
      }
    } finally {
      this.order.cancel(outbox);
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

  /**
   * Relays a note to the other nodes: the notes sent here in one turn of the event loop travel
   * together (one NOTIFY for up to RELAY_BATCH of them), in order.
   */
  private relay(relay: Relay): void {
    if (this.peers?.() === 0) {
      this.unrelayed = true;
      return;
    }
    if (this.relays.push(relay) > 1) return;
    setImmediate(() => {
      const relays = this.relays;
      this.relays = [];
      try {
        for (let i = 0; i < relays.length; i += RELAY_BATCH)
          this.io?.serverSideEmit('todo:relay', relays.slice(i, i + RELAY_BATCH));
      } catch (err) {
        this.logger.error({ err }, 'could not relay changes to the other nodes');
      }
    });
  }

  /** The adapter counts the other nodes it hears (`count`): while there are none, nothing is relayed. */
  countPeers(count: () => number): void {
    this.peers = count;
  }

  /**
   * A node was heard that was not known: if this node relayed nothing meanwhile (it heard no other),
   * that node's sockets may have missed changes, so every other node's sockets are told to sync.
   */
  peerJoined(): void {
    if (!this.unrelayed) return;
    this.unrelayed = false;
    this.logger.info('a node joined while this one relayed nothing: its sockets are told to sync');
    void this.resyncOthers().then((ok) => {
      if (!ok) this.relayFailed(new Error('a node that joined did not acknowledge the resync'));
    });
  }

  /**
   * This node's relay is back after an outage: changes relayed meanwhile, by it or to it, may be
   * missed, so every socket on every node is told to sync (`sync:needed`).
   */
  relayRestored(): void {
    this.logger.warn('socket adapter listening again: every socket is told to sync');
    this.resyncAll();
  }

  /**
   * A change committed without its notes being sent (its outcome was learnt too late to send them):
   * which sockets should have had them is not known here, so every socket on every node is told to sync.
   */
  changesMissed(reason: string): void {
    this.logger.warn({ reason }, 'a committed change was not sent: every socket is told to sync');
    // the changes cut off by one outage come to light over a few seconds: at once for the first, then
    // at most one more sync:needed every MISSED_EVERY_MS for those found meanwhile
    if (this.missedTimer) return;
    const wait = Math.max(0, this.lastMissed + MISSED_EVERY_MS - Date.now());
    this.missedTimer = setTimeout(() => {
      this.missedTimer = undefined;
      this.lastMissed = Date.now();
      this.resyncAll();
    }, wait);
    this.missedTimer.unref();
  }

  /**
   * The adapter failed to publish a relay or to read one (a wait for its connection ran out, Redis
   * was away): some node's sockets may have missed changes, and nothing else would tell them. Once
   * a message crosses to every other node again (an acknowledged `todo:resync`, retried with
   * back-off), every socket on every node is told to sync.
   */
  relayFailed(err: unknown): void {
    this.logger.warn({ err }, 'a relay between nodes failed: every socket will be told to sync');
    if (this.repairing || !this.clustered) return;
    this.repairing = true;
    void (async () => {
      const until = Date.now() + REPAIR_FOR_MS;
      for (let wait = 500; Date.now() < until; wait = Math.min(wait * 2, 10_000)) {
        await new Promise((resolve) => setTimeout(resolve, wait).unref());
        if (await this.resyncOthers()) {
          this.io?.local.emit('sync:needed', {});
          return;
        }
      }
    })().finally(() => (this.repairing = false));
  }

  private resyncAll(): void {
    this.io?.local.emit('sync:needed', {});
    if (this.clustered) void this.resyncOthers();
  }

  /** Tells every other node's sockets to sync; true once every node acknowledged. */
  private async resyncOthers(): Promise<boolean> {
    if (!this.io) return false;
    try {
      // the adapter bounds its own wait for the answers; this bounds it too
      return await withTimeout(
        this.io.serverSideEmitWithAck('todo:resync').then(() => true),
        RESYNC_ACK_MS,
        false,
      );
    } catch {
      return false;
    }
  }

  /** Logout-all: every node learns the new token version and disconnects the user's sockets. */
  revokeUser(userId: string, version: number): void {
    this.onRevoked(userId, version);
    if (this.clustered) this.io?.serverSideEmit('todo:revoked', { userId, version });
    this.io?.in(userRoom(userId)).disconnectSockets(true);
  }

  /** Log out: every node learns that the token is revoked, and the sockets running on it are disconnected. */
  revokeToken(tokenId: string): void {
    this.onTokenRevoked(tokenId);
    if (this.clustered) this.io?.serverSideEmit('todo:token-revoked', { tokenId });
    this.io?.in(tokenRoom(tokenId)).disconnectSockets(true);
  }
}
