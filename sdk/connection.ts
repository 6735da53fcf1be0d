/**
 * The connection: the socket, its status, reconnecting when socket.io does not (a server's disconnect,
 * a refused handshake that is not the token's fault), and one event with its ack in a given time. It
 * knows no replica or session: it asks its delegate for the token and tells it what happened.
 */
import { io, type Socket } from 'socket.io-client';
import type { AckData, ClientEventName, ClientToServerEvents, ServerToClientEvents } from '../shared/events';
import type { PresenceState, ServerEventMessage } from '../shared/events';
import type { Comment } from '../shared/types';
import type { Ack } from '../shared/types';
import { offlineError } from './errors';
import type { Payload } from './queue';
import type { ClientOptions, ConnectionStatus } from './types';

type TodoSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long a queued change or an online-only call waits for its ack. */
export const ACK_TIMEOUT_MS = 15_000;

const LIVE_EVENTS = new Set<string>([
  'task:created',
  'task:updated',
  'task:deleted',
  'list:created',
  'list:updated',
  'list:deleted',
  'member:added',
  'member:removed',
  'member:updated',
  'comment:created',
  'comment:updated',
  'comment:deleted',
]);

export interface ConnectionDelegate {
  /** May a connection be made (a session, whose token is not refused, and not closed)? */
  mayConnect(): boolean;
  /** The token for a handshake (read on every attempt, so a refreshed one is used). */
  token(): string;
  /** The socket was connected, lost or dropped: whatever ran on it (a sync) is void. */
  restart(): void;
  /** Connected: sync. `sync:needed` asks for one too. */
  syncNeeded(): void;
  /** A live event came. */
  live(ev: ServerEventMessage): void;
  /** Connected (again): presence is joined anew. */
  connected(): void;
  /** A presence:state came (not a change: no seq). */
  presence(state: PresenceState): void;
  /** The user was named in a comment (not a change: no seq). */
  mention(comment: Comment): void;
  status(s: ConnectionStatus): void;
  /** The token expired (auth:expired, then the server's disconnect). */
  expired(): void;
  /** The handshake was refused with `unauthorized`. */
  refused(): void;
}

export class Connection {
  private socket: TodoSocket | undefined;
  private now: ConnectionStatus = 'offline';
  /** auth:expired came: the coming disconnect is the token's expiry. */
  private expiring = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectDelay = 1000;

  constructor(
    private readonly url: string,
    private readonly options: ClientOptions,
    private readonly d: ConnectionDelegate,
  ) {}

  get status(): ConnectionStatus {
    return this.now;
  }

  get connected(): boolean {
    return this.socket?.connected === true;
  }

  connect(): void {
    if (!this.d.mayConnect()) return;
    clearTimeout(this.reconnectTimer);
    const socket = (this.socket ??= this.makeSocket());
    if (socket.connected || socket.active) return;
    this.setStatus('connecting');
    socket.connect();
  }

  /** Closes the socket (a new one is made on the next connect) without a word to the delegate but restart(). */
  drop(): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    socket.removeAllListeners();
    socket.offAny();
    socket.disconnect();
    this.d.restart();
  }

  /** The token was refused: no reconnecting, the socket disconnected, offline. */
  halt(): void {
    this.expiring = false;
    clearTimeout(this.reconnectTimer);
    this.socket?.disconnect();
    this.setStatus('offline');
  }

  /** A new session: an auth:expired heard before was the old token's. */
  newToken(): void {
    this.expiring = false;
  }

  stopReconnecting(): void {
    clearTimeout(this.reconnectTimer);
  }

  setStatus(status: ConnectionStatus): void {
    if (status === this.now) return;
    this.now = status;
    this.d.status(status);
  }

  /** One event with its ack; rejects when no ack comes (timeout, or the socket went away). */
  call<E extends ClientEventName>(event: E, payload: Payload<E>, timeoutMs: number): Promise<Ack<AckData<E>>> {
    const socket = this.socket;
    if (!socket?.connected) return Promise.reject(offlineError(event));
    return new Promise((resolve, reject) => {
      const timed = socket.timeout(timeoutMs) as unknown as {
        emit(e: E, p: Payload<E>, cb: (err: Error | null, res: Ack<AckData<E>>) => void): void;
      };
      timed.emit(event, payload, (err, res) => {
        if (err) reject(err);
        else resolve(res);
      });
    });
  }

  /** auth:refresh: the open socket's expiry moves to the new token's. */
  async tellToken(token: string): Promise<void> {
    try {
      await this.call('auth:refresh', { token }, ACK_TIMEOUT_MS);
    } catch {
      // no answer: the socket is gone or going, and the next handshake uses the new token
    }
  }

  private makeSocket(): TodoSocket {
    const socket: TodoSocket = io(this.url, {
      forceNew: true,
      ...this.options.socketOptions,
      autoConnect: false,
      // read on every attempt, so a refreshed token is used on reconnect
      auth: (cb) => cb({ token: this.d.token() }),
    });
    socket.on('connect', () => this.onConnect());
    socket.on('disconnect', (reason) => this.onDisconnect(reason));
    socket.on('connect_error', (err) => this.onConnectError(err));
    socket.on('auth:expired', () => (this.expiring = true));
    socket.on('sync:needed', () => this.d.syncNeeded());
    socket.on('presence:state', (state) => this.d.presence(state));
    socket.on('mention', ({ comment }) => this.d.mention(comment));
    socket.onAny((event: string, payload: unknown) => {
      if (LIVE_EVENTS.has(event)) this.d.live({ event, payload } as ServerEventMessage);
    });
    return socket;
  }

  private onConnect(): void {
    this.reconnectDelay = 1000;
    this.expiring = false;
    this.d.restart();
    this.setStatus('online');
    this.d.syncNeeded();
    this.d.connected();
  }

  private onDisconnect(reason: string): void {
    this.d.restart();
    if (reason === 'io client disconnect') {
      this.setStatus('offline');
      return;
    }
    if (reason === 'io server disconnect') {
      // an expiry, a logout-all or a shutdown: socket.io does not reconnect by itself; the handshake tells which
      if (this.expiring) {
        this.d.expired();
        return;
      }
      this.setStatus('connecting');
      this.scheduleReconnect(1000);
      return;
    }
    this.setStatus(this.socket?.active ? 'connecting' : 'offline');
  }

  private onConnectError(err: Error): void {
    if (this.socket?.active) {
      this.setStatus('offline'); // the connection failed: socket.io tries again by itself
      return;
    }
    if (err.message === 'unauthorized') {
      this.d.refused();
      return;
    }
    // too_many_connections, unavailable, internal: the token is fine, try again later
    this.setStatus('offline');
    this.scheduleReconnect(this.reconnectDelay);
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, 30_000);
  }

  private scheduleReconnect(ms: number): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), ms);
  }
}
