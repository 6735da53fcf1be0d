/**
 * Presence: who is looking at a list, and at which task. Nothing is stored: each node holds the joins
 * of its own sockets, and what the other nodes last said of theirs.
 *
 * - **Between nodes** (through the Socket.IO adapter, `serverSideEmit`): a node publishes its entries
 *   of a list (one per user: the earliest `since`, the `taskId` of the latest join) whenever they change,
 *   in a `presence:update` numbered by its `rev`; every third of PRESENCE_NODE_TTL_MS it beats (an
 *   update with no lists and the same rev). A receiver that sees a rev it did not expect (it missed an
 *   update, or hears the node for the first time) asks that node for its whole state (`presence:ask`).
 *   A starting node asks every node; a stopping node says it holds nothing. A node not heard for
 *   PRESENCE_NODE_TTL_MS is taken as dead: its entries are dropped.
 * - **To the sockets**: every node sends `presence:state` to its own sockets that joined the list, the
 *   union of every node's entries, at most one a list every PRESENCE.stateEveryMs (the last one always
 *   sent, and none when nothing changed since the last one sent).
 * - **Members who go**: list-rooms.ts tells of every member removed and list deleted (after the commit,
 *   on the node of the change); that node drops their joins and tells every other node (`presence:drop`).
 *   A join whose membership read raced such a drop reads again.
 */
import crypto from 'node:crypto';
import { QueryTypes } from 'sequelize';
import type { Server } from 'socket.io';
import type { ClientToServerEvents, PresenceJoinInput, ServerToClientEvents } from '../../shared/events';
import { PRESENCE } from '../../shared/limits';
import type { Presence } from '../../shared/types';
import type { Actor, Ctx } from '../changes/context';
import { AppError } from '../core/errors';

/** What one node holds of one user in one list: their sockets there that joined it, folded into one. */
export interface NodeEntry {
  userId: string;
  name: string;
  taskId: string | null;
  /** The earliest join of these sockets (ms since the epoch). */
  since: number;
  /** The latest join (ms since the epoch, rising on each node): its taskId is the user's. */
  at: number;
}

/** A node's entries: the lists named (each list's entries whole), or with `full` every list it has. */
interface PresenceUpdate {
  node: string;
  rev: number;
  full: boolean;
  lists: Record<string, NodeEntry[]>;
}

interface PresenceInterServerEvents {
  'presence:update': (update: PresenceUpdate) => void;
  /** Send your whole state (`to`: that node only; none: every node). */
  'presence:ask': (ask: { node: string; to?: string }) => void;
  /** A member left the list (no user: the list was deleted): drop their joins. */
  'presence:drop': (drop: { listId: string; userId?: string }) => void;
}

export type PresenceIo = Server<ClientToServerEvents, ServerToClientEvents, PresenceInterServerEvents>;

interface Join {
  userId: string;
  name: string;
  taskId: string | null;
  since: number;
  at: number;
}

interface Remote {
  rev: number;
  heard: number;
  lists: Map<string, NodeEntry[]>;
}

interface Sending {
  last: number;
  sent: string;
  timer?: NodeJS.Timeout;
}

export class PresenceHub {
  readonly node = crypto.randomUUID();
  private rev = 0;
  private clock = 0;
  /** listId -> socketId -> its join: this node's sockets only. */
  private readonly joins = new Map<string, Map<string, Join>>();
  /** socketId -> the lists it joined. */
  private readonly bySocket = new Map<string, Set<string>>();
  private readonly remote = new Map<string, Remote>();
  /** listId -> members dropped from it so far (a join that raced one reads its membership again). */
  private readonly drops = new Map<string, number>();
  private readonly sending = new Map<string, Sending>();
  private readonly dirty = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly clustered: boolean;
  private closed = false;
  private publishing = false;

  constructor(
    private readonly ctx: Ctx,
    private readonly io: PresenceIo,
  ) {
    this.clustered = ctx.config.socketAdapter !== 'none';
    if (!this.clustered) return;
    io.on('presence:update', (update) => this.heard(update));
    io.on('presence:ask', ({ node, to }) => {
      if (node !== this.node && (to === undefined || to === this.node)) this.publish(true);
    });
    io.on('presence:drop', ({ listId, userId }) => this.drop(listId, userId));
    const ttl = ctx.config.presenceNodeTtlMs;
    this.timers.push(setInterval(() => this.beat(), Math.max(100, Math.floor(ttl / 3))));
    // a starting node asks every node; once more a moment later, in case its adapter was not listening yet
    this.ask();
    this.timers.push(setTimeout(() => this.ask(), 1_000));
    for (const timer of this.timers) timer.unref();
  }

  /** presence:join: the socket is present in the list (looking at `taskId`); answers everyone present. */
  async join(actor: Actor, input: PresenceJoinInput): Promise<{ present: Presence[] }> {
    const { listId } = input;
    const taskId = input.taskId ?? null;
    const socketId = actor.socketId!;
    this.checkRoom(socketId, listId);
    let name: string;
    for (;;) {
      const drops = this.drops.get(listId) ?? 0;
      name = await this.memberName(actor.userId, listId, taskId);
      if ((this.drops.get(listId) ?? 0) === drops) break; // else a member was dropped meanwhile: read again
    }
    this.checkRoom(socketId, listId);
    if (this.closed || !this.io.sockets.sockets.get(socketId)?.connected) return { present: this.present(listId) };
    let sockets = this.joins.get(listId);
    if (!sockets) this.joins.set(listId, (sockets = new Map<string, Join>()));
    const before = sockets.get(socketId);
    sockets.set(socketId, {
      userId: actor.userId,
      name,
      taskId,
      since: before?.since ?? Date.now(),
      at: (this.clock = Math.max(this.clock + 1, Date.now())),
    });
    let lists = this.bySocket.get(socketId);
    if (!lists) this.bySocket.set(socketId, (lists = new Set()));
    lists.add(listId);
    this.localChanged(listId);
    return { present: this.present(listId) };
  }

  /** presence:leave, and a socket's disconnect (every list it joined). */
  leave(socketId: string, listId?: string): void {
    const lists = this.bySocket.get(socketId);
    if (!lists) return;
    for (const id of listId === undefined ? [...lists] : [listId]) {
      if (!lists.delete(id)) continue;
      this.forget(id, socketId);
      this.localChanged(id);
    }
    if (!lists.size) this.bySocket.delete(socketId);
  }

  /** `userId` stopped being a member of `listId` (no user: the list was deleted), on this node or another. */
  drop(listId: string, userId?: string): void {
    this.drops.set(listId, (this.drops.get(listId) ?? 0) + 1);
    const sockets = this.joins.get(listId);
    for (const [socketId, join] of sockets ?? []) {
      if (userId !== undefined && join.userId !== userId) continue;
      this.forget(listId, socketId);
      const lists = this.bySocket.get(socketId);
      lists?.delete(listId);
      if (lists?.size === 0) this.bySocket.delete(socketId);
    }
    // the other nodes drop theirs too, and say so; meanwhile they are left out here
    for (const remote of this.remote.values()) {
      const entries = remote.lists.get(listId);
      if (!entries) continue;
      const kept = userId === undefined ? [] : entries.filter((e) => e.userId !== userId);
      if (kept.length) remote.lists.set(listId, kept);
      else remote.lists.delete(listId);
    }
    if (sockets) this.dirty.add(listId);
    this.schedulePublish();
    this.changed(listId);
  }

  /** Wiring (list-rooms.ts' hook, on the node of the commit): drops here, and on every other node. */
  memberLeft(listId: string, userId?: string): void {
    this.drop(listId, userId);
    if (this.clustered) this.emit('presence:drop', { listId, userId });
  }

  /** Everyone present in the list, over every node: one entry per user, earliest `since` first. */
  present(listId: string): Presence[] {
    const users = new Map<string, NodeEntry>();
    const add = (entry: NodeEntry) => {
      const user = users.get(entry.userId);
      if (!user) {
        users.set(entry.userId, { ...entry });
        return;
      }
      user.since = Math.min(user.since, entry.since);
      if (entry.at > user.at) Object.assign(user, { at: entry.at, taskId: entry.taskId });
    };
    this.localEntries(listId).forEach(add);
    for (const remote of this.remote.values()) remote.lists.get(listId)?.forEach(add);
    return [...users.values()]
      .sort((a, b) => a.since - b.since || (a.userId < b.userId ? -1 : 1))
      .map((e) => ({ userId: e.userId, name: e.name, taskId: e.taskId, since: new Date(e.since).toISOString() }));
  }

  /** Stopping: the other nodes are told this one holds nothing; no more timers. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const sending of this.sending.values()) clearTimeout(sending.timer);
    if (this.clustered) this.emit('presence:update', { node: this.node, rev: ++this.rev, full: true, lists: {} });
  }

  private checkRoom(socketId: string, listId: string): void {
    const lists = this.bySocket.get(socketId);
    if (lists && !lists.has(listId) && lists.size >= this.ctx.config.maxPresenceListsPerSocket)
      throw new AppError(
        'limit_exceeded',
        `A socket is present in at most ${this.ctx.config.maxPresenceListsPerSocket} lists at once`,
      );
  }

  /** The user's name if they are a member of the list (and `taskId`, if given, is a live task of it), else not_found. */
  private async memberName(userId: string, listId: string, taskId: string | null): Promise<string> {
    const rows = await this.ctx.sequelize.query<{ name: string; task: string | null }>(
      `SELECT u.name, t.id AS task FROM list_members m JOIN users u ON u.id = m.user_id
       LEFT JOIN tasks t ON t.id = $3::uuid AND t.list_id = m.list_id AND t.deleted_at IS NULL
       WHERE m.list_id = $1 AND m.user_id = $2`,
      { bind: [listId, userId, taskId], type: QueryTypes.SELECT },
    );
    const row = rows.at(0);
    if (!row) throw new AppError('not_found', 'List not found');
    if (taskId !== null && row.task === null) throw new AppError('not_found', 'Task not found');
    return row.name;
  }

  private forget(listId: string, socketId: string): void {
    const sockets = this.joins.get(listId);
    sockets?.delete(socketId);
    if (sockets?.size === 0) this.joins.delete(listId);
  }

  /** This node's entries of a list: its sockets' joins, one entry per user. */
  private localEntries(listId: string): NodeEntry[] {
    const users = new Map<string, NodeEntry>();
    for (const join of this.joins.get(listId)?.values() ?? []) {
      const user = users.get(join.userId);
      if (!user) users.set(join.userId, { ...join });
      else {
        user.since = Math.min(user.since, join.since);
        if (join.at > user.at) Object.assign(user, { at: join.at, taskId: join.taskId });
      }
    }
    return [...users.values()];
  }

  private localChanged(listId: string): void {
    this.dirty.add(listId);
    this.schedulePublish();
    this.changed(listId);
  }

  /** The lists changed here in one turn of the event loop go to the other nodes in one update. */
  private schedulePublish(): void {
    if (!this.clustered || !this.dirty.size || this.publishing) return;
    this.publishing = true;
    setImmediate(() => {
      this.publishing = false;
      this.publish(false);
    });
  }

  /** Sends the dirty lists' entries (or, `full`, every list's) to the other nodes. */
  private publish(full: boolean): void {
    if (!this.clustered || this.closed) return;
    const ids = full ? [...this.joins.keys()] : [...this.dirty];
    if (!full && !ids.length) return;
    this.dirty.clear();
    const lists = Object.fromEntries(ids.map((id) => [id, this.localEntries(id)]));
    this.emit('presence:update', { node: this.node, rev: ++this.rev, full, lists });
  }

  private beat(): void {
    this.emit('presence:update', { node: this.node, rev: this.rev, full: false, lists: {} });
    // a node not heard for the TTL is dead: its entries go
    const dead = Date.now() - this.ctx.config.presenceNodeTtlMs;
    for (const [node, remote] of this.remote) {
      if (remote.heard >= dead) continue;
      this.remote.delete(node);
      for (const listId of remote.lists.keys()) this.changed(listId);
    }
  }

  private ask(to?: string): void {
    this.emit('presence:ask', { node: this.node, to });
  }

  /** An update of another node: applied; a rev out of turn (a missed update, a node not known) asks it for all. */
  private heard(update: PresenceUpdate): void {
    if (update.node === this.node || this.closed) return;
    const known = this.remote.get(update.node);
    const remote: Remote = known ?? { rev: -1, heard: 0, lists: new Map() };
    this.remote.set(update.node, remote);
    const listIds = Object.keys(update.lists);
    const touched = new Set(listIds);
    if (update.full) {
      for (const listId of remote.lists.keys()) touched.add(listId);
      remote.lists.clear();
    } else if (!known || update.rev !== remote.rev + (listIds.length ? 1 : 0)) this.ask(update.node);
    for (const listId of listIds) {
      const entries = update.lists[listId];
      if (entries.length) remote.lists.set(listId, entries);
      else remote.lists.delete(listId);
    }
    remote.rev = update.rev;
    remote.heard = Date.now();
    for (const listId of touched) this.changed(listId);
  }

  /** The list's state may have changed: its sockets here are sent it, at most once every stateEveryMs. */
  private changed(listId: string): void {
    if (this.closed) return;
    if (!this.joins.has(listId)) {
      const sending = this.sending.get(listId);
      clearTimeout(sending?.timer);
      this.sending.delete(listId); // nobody here to send it to
      return;
    }
    let sending = this.sending.get(listId);
    if (!sending) this.sending.set(listId, (sending = { last: 0, sent: '' }));
    if (sending.timer) return; // the send already due takes this change in
    const wait = Math.max(0, sending.last + PRESENCE.stateEveryMs - Date.now());
    // even at once, after this turn: an event's ack goes before the state it caused
    sending.timer = setTimeout(() => this.send(listId), wait);
  }

  private send(listId: string): void {
    const sending = this.sending.get(listId);
    if (!sending) return;
    sending.timer = undefined;
    const sockets = this.joins.get(listId);
    if (!sockets) {
      this.sending.delete(listId);
      return;
    }
    const present = this.present(listId);
    const text = JSON.stringify(present);
    if (text === sending.sent) return; // nothing changed since the last one sent
    sending.sent = text;
    sending.last = Date.now();
    this.io.local.to([...sockets.keys()]).emit('presence:state', { listId, present });
  }

  private emit<E extends keyof PresenceInterServerEvents>(
    event: E,
    ...args: Parameters<PresenceInterServerEvents[E]>
  ): void {
    try {
      this.io.serverSideEmit(event, ...args);
    } catch (err) {
      this.ctx.logger.warn({ err, event }, 'could not send presence to the other nodes');
    }
  }
}
