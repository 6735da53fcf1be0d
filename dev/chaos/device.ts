/**
 * One device of the chaos run (dev/chaos/index.ts): a client written the way docs/client-guide.md tells a
 * client author to, with nothing more. It keeps a replica of its user's lists and tasks from `sync`
 * (on every connect, after a seq jump, on `sync:needed`) and live events applied by seq
 * (dev/chaos/replica.ts), and an outbox: each mutation is sent with its `mutationId` (and the ids it
 * creates) fixed once, and sent again, unchanged, until it is answered. When its connection ends it
 * connects again to a node chosen at random, as behind a load balancer.
 */
import { io } from 'socket.io-client';
import type { AckData, ClientEventName, EventPayload } from '../../shared/events';
import type { Ack, List, Task, TaskDeleted } from '../../shared/types';
import { Replica, type DeviceCounters, type LiveEvent } from './replica';
import { bump, type ClientSocket, type Payload } from './wire';

/** A mutation the outbox sends until it is answered. */
export interface Mutation<E extends ClientEventName = ClientEventName> {
  /** The ledger's number of it. */
  n: number;
  event: E;
  payload: Payload<E>;
  /** The device that sends it. */
  device: number;
  /** Attempts sent; attempts that got no answer (timeout, lost connection). */
  attempts: number;
  unanswered: number;
  /** Answers that said to try again (rate_limited, unavailable, internal), by code. */
  retried: Record<string, number>;
  /** The final answer, once there is one. */
  answer?: Ack<AckData<E>>;
  queuedAt: number;
  answeredAt?: number;
}

export interface DeviceOptions {
  index: number;
  userId: string;
  token: string;
  /** The nodes' URLs; the first connection goes to `first`, a reconnection to one at random. */
  nodes: string[];
  first: number;
  counters: DeviceCounters;
  /** Told of each final answer of a mutation. */
  answered: (m: Mutation) => void;
  /** How long to wait for an ack before sending again (default 10 s). */
  ackTimeoutMs?: number;
}

const RETRY_CODES = new Set(['rate_limited', 'unavailable', 'internal']);
const randomBetween = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

export class Device extends Replica {
  readonly index: number;
  /** Mutations waiting to be answered, the first one in flight. */
  readonly outbox: Mutation[] = [];

  private socket: ClientSocket | undefined;
  private node = -1;
  private lastConnectAt = 0;
  private openedAt = 0;
  /** connecting: a connection attempt is under way; waiting: the next one is due soon. */
  private phase: 'connecting' | 'connected' | 'waiting' = 'waiting';
  private lastEventAt = 0;
  private syncStartedAt = 0;
  private inFlight = false;
  private syncing: Promise<void> | null = null;
  private syncAgain = false;
  private readonly buffered: LiveEvent[] = [];
  private stopped = false;
  private heldUntil = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Rejects the calls waiting on the current socket's acks when it disconnects. */
  private readonly waiting = new Set<(err: Error) => void>();
  private readonly ackTimeoutMs: number;

  constructor(private readonly opts: DeviceOptions) {
    super(opts.userId, opts.counters);
    this.index = opts.index;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  /** Connected, synced, nothing buffered and nothing to send: what it holds is what it will show. */
  get settled(): boolean {
    return this.connected && !this.syncing && this.buffered.length === 0 && this.outbox.length === 0;
  }

  /** Connects to its first node; resolves once connected and the first sync is done (or rejects after `ms`). */
  async start(ms = 30_000): Promise<void> {
    this.open(this.opts.first);
    const deadline = Date.now() + ms;
    while (!(this.connected && !this.syncing && Object.keys(this.cursors).length > 0)) {
      if (Date.now() > deadline) throw new Error(`device ${this.index} did not connect and sync within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Milliseconds its current connection attempt has lasted (0 when connected or offline). */
  get connectingMs(): number {
    return this.phase === 'connecting' ? Date.now() - this.openedAt : 0;
  }

  /** A list whose live events are timed (the canary's): seq -> when its event arrived. */
  watch: string | undefined;
  readonly watched = new Map<number, number>();

  /** The node it is connected to (or trying), by index. */
  get nodeIndex(): number {
    return this.node;
  }

  /** Its state in a few words, for a report. */
  describe(listId?: string): string {
    const s = this.socket;
    const since = (t: number) => (t ? `${((Date.now() - t) / 1000).toFixed(1)} s` : 'never');
    const state = s?.connected
      ? `connected to node ${this.node}`
      : this.phase === 'connecting'
        ? `connecting to node ${this.node} for ${since(this.openedAt)}`
        : 'offline, about to connect again';
    return [
      `device ${this.index}: ${state} (last connected ${since(this.lastConnectAt)} ago)`,
      this.syncing ? `syncing for ${since(this.syncStartedAt)}` : `last sync ${since(this.syncStartedAt)} ago`,
      `${this.buffered.length} buffered`,
      `${this.outbox.length} in the outbox`,
      `last event ${since(this.lastEventAt)} ago`,
      ...(listId ? [`cursor ${this.cursors[listId] ?? 'none'}`] : []),
    ].join(', ');
  }

  /** Drops its connection (as a phone going through a tunnel) and connects again after `ms`. */
  dropFor(ms: number): void {
    if (this.stopped || !this.socket) return;
    this.heldUntil = Date.now() + ms;
    this.socket.disconnect(); // 'disconnect' (io client disconnect) schedules the reconnection
  }

  /** Queues a mutation; the outbox sends it when it can. */
  enqueue(m: Mutation): void {
    this.outbox.push(m);
    this.pump();
  }

  /** No more reconnections; closes the socket. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.socket?.close();
  }

  // ---- connection ----

  private later(fn: () => void, ms: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private reconnectLater(): void {
    const wait = Math.max(this.heldUntil - Date.now(), randomBetween(100, 500));
    this.later(() => this.open(Math.floor(Math.random() * this.opts.nodes.length)), wait);
  }

  private open(node: number): void {
    if (this.stopped) return;
    const socket: ClientSocket = io(this.opts.nodes[node], {
      auth: { token: this.opts.token },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: 5_000,
    });
    this.socket = socket;
    this.node = node;
    this.openedAt = Date.now();
    this.phase = 'connecting';
    const c = this.opts.counters;
    socket.on('connect', () => {
      c.connects += 1;
      this.lastConnectAt = Date.now();
      if (this.socket === socket) this.phase = 'connected';
      c.syncsOnConnect += 1;
      this.requestSync();
      this.pump();
    });
    socket.on('connect_error', (err) => {
      bump(c.connectErrors, err.message);
      socket.close();
      if (this.socket === socket) {
        this.phase = 'waiting';
        this.reconnectLater();
      }
    });
    socket.on('disconnect', (reason) => {
      bump(c.disconnects, reason);
      for (const reject of [...this.waiting]) reject(new Error(`disconnected: ${reason}`));
      if (this.socket === socket) {
        this.phase = 'waiting';
        this.reconnectLater();
      }
    });
    socket.on('sync:needed', () => {
      c.syncNeededReceived += 1;
      c.syncsOnNeeded += 1;
      this.requestSync();
    });
    socket.onAny((event: string, payload: unknown) => {
      this.lastEventAt = Date.now();
      if (this.watch) {
        const p = payload as { task?: { listId?: string; seq?: number } } | undefined;
        if (p?.task?.listId === this.watch && typeof p.task.seq === 'number') this.watched.set(p.task.seq, Date.now());
      }
      if (event !== 'sync:needed') this.onLive({ event, payload } as LiveEvent);
    });
  }

  /** Sends one event on the current socket; resolves with its ack, rejects when there is none. */
  private call<E extends ClientEventName>(event: E, payload: Payload<E>): Promise<Ack<AckData<E>>> {
    const socket = this.socket;
    if (!socket?.connected) return Promise.reject(new Error('offline'));
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        this.waiting.delete(fail);
        reject(err);
      };
      this.waiting.add(fail);
      const timer = setTimeout(() => fail(new Error('no ack in time')), this.ackTimeoutMs);
      (socket.emit as (e: string, p: unknown, ack: (a: Ack<AckData<E>>) => void) => void)(event, payload, (ack) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        this.waiting.delete(fail);
        resolve(ack);
      });
    });
  }

  // ---- sync, as in the client guide ----

  protected requestSync(): void {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    const c = this.opts.counters;
    this.syncStartedAt = Date.now();
    this.syncing = (async () => {
      do {
        this.syncAgain = false;
        const sent = { ...this.cursors };
        const ack = await this.call('sync', { cursors: sent });
        c.syncPages += 1;
        if (!ack.ok) throw new Error(ack.error.code);
        this.applySync(ack.data, sent);
        if (ack.data.more) this.syncAgain = true;
      } while (this.syncAgain);
    })().then(
      () => {
        c.syncs += 1;
        this.syncing = null;
        this.drain();
      },
      (err: unknown) => {
        bump(c.syncFailures, err instanceof Error ? err.message : String(err));
        this.syncing = null;
        // keep the buffer; try again while connected (a new connection syncs by itself)
        if (this.connected) this.later(() => this.requestSync(), randomBetween(300, 1000));
      },
    );
  }

  private drain(): void {
    while (this.buffered.length > 0 && !this.syncing) this.applyLive(this.buffered.shift()!);
  }

  private onLive(ev: LiveEvent): void {
    if (this.syncing) this.buffered.push(ev);
    else this.applyLive(ev);
  }

  /** An ack of its own change, fed through the same path as the events (the socket gets no broadcast of it). */
  private applyAck(m: Mutation, data: unknown): void {
    switch (m.event) {
      case 'task:create':
      case 'task:update': {
        const d = data as { task: Task; from?: TaskDeleted };
        if (d.from) this.onLive({ event: 'task:deleted', payload: d.from });
        this.onLive({ event: 'task:updated', payload: { task: d.task } });
        break;
      }
      case 'task:delete':
        this.onLive({ event: 'task:deleted', payload: data as TaskDeleted });
        break;
      case 'list:rename':
        this.onLive({ event: 'list:updated', payload: data as { list: List } });
        break;
      case 'list:share':
        this.onLive({ event: 'member:added', payload: data as EventPayload<'member:added'> });
        break;
      case 'list:unshare':
        this.onLive({ event: 'member:removed', payload: data as EventPayload<'member:removed'> });
        break;
      default:
        break;
    }
  }

  // ---- the outbox ----

  private pump(): void {
    if (this.inFlight || this.stopped || !this.connected || this.outbox.length === 0) return;
    const m = this.outbox[0];
    this.inFlight = true;
    m.attempts += 1;
    this.call(m.event, m.payload).then(
      (ack) => {
        this.inFlight = false;
        if (!ack.ok && RETRY_CODES.has(ack.error.code)) {
          bump(m.retried, ack.error.code);
          const backoff = Math.min(200 * 2 ** Math.min(m.attempts, 5), 3_000);
          this.later(() => this.pump(), randomBetween(backoff / 2, backoff));
          return;
        }
        this.outbox.shift();
        m.answer = ack;
        m.answeredAt = Date.now();
        if (ack.ok) this.applyAck(m, ack.data);
        this.opts.answered(m);
        this.pump();
      },
      () => {
        // no answer: lost or offline; sent again, unchanged, once connected
        this.inFlight = false;
        m.unanswered += 1;
        this.later(() => this.pump(), randomBetween(50, 200));
      },
    );
  }
}
