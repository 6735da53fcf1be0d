/**
 * Back-pressure of one socket: the bytes written to it and not yet sent. That is Engine.IO's buffer
 * (packets waiting for the transport), plus the WebSocket's own buffer (`bufferedAmount`: what the
 * TCP connection has not taken yet), plus the polling responses written and not yet flushed. A client
 * that does not read makes them grow: above the soft bound the wrapper refuses the socket's next
 * event; above the hard bound, checked at every packet (broadcasts included, which never pass the
 * wrapper), the connection is closed at once and what it held is freed. The client sees its
 * connection drop, not a Socket.IO disconnect, so it reconnects and resyncs.
 */
import type { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'socket.io';
import { AppError } from '../core/errors';

/** An Engine.IO packet as its socket's `packetCreate` and `flush` events give it. */
interface EnginePacket {
  data?: unknown;
}

/** What this module reads of Engine.IO's socket and transports (their members are untyped or private). */
interface EngineConn extends EventEmitter {
  readyState: string;
  transport: {
    name: string;
    /** websocket: the `ws` WebSocket. */
    socket?: { bufferedAmount: number; terminate(): void };
    /** polling: the response of the poll request being answered, while there is one. */
    res?: ServerResponse | null;
  };
  close(discard?: boolean): void;
}

/** The socket's unsent answers are over SOCKET_UNSENT_BYTES: its client is not reading them. */
const NOT_READING = new AppError(
  'rate_limited',
  'This connection has answers it has not read yet: read them before sending more events',
);

/** Bytes of a packet's data (a string's length: its bytes for the ASCII of JSON). */
const sizeOf = (packet: EnginePacket): number =>
  typeof packet.data === 'string'
    ? packet.data.length
    : packet.data instanceof ArrayBuffer || ArrayBuffer.isView(packet.data)
      ? packet.data.byteLength
      : 0;

export interface UnsentBounds {
  /** Above it, the socket's next event is refused. */
  soft: number;
  /** Above it, the connection is closed. */
  hard: number;
}

/** The bytes of one socket not yet sent; create it once, when the socket connects. */
export class Unsent {
  /** Every byte ever written to the socket: the wrapper reads it around an ack to know the ack's size. */
  written = 0;
  /** Bytes of the packets in Engine.IO's buffer, not yet handed to the transport. */
  private queued = 0;
  /** Polling responses written and not yet flushed to the network, with their bytes. */
  private readonly polls = new Map<ServerResponse, number>();
  private pollBytes = 0;
  private closed = false;
  private readonly conn: EngineConn;

  /** `onClose(bytes)`: called once, when the hard bound closed the connection. */
  constructor(
    socket: Socket,
    private readonly bounds: UnsentBounds,
    private readonly onClose: (bytes: number) => void,
  ) {
    this.conn = socket.conn;
    this.conn.on('packetCreate', (packet: EnginePacket) => {
      const size = sizeOf(packet);
      this.written += size;
      this.queued += size;
      if (this.bytes > this.bounds.hard) this.close();
    });
    // the buffer goes to the transport: for a poll, its response holds these bytes until flushed
    this.conn.on('flush', () => {
      const res = this.conn.transport.name === 'polling' ? this.conn.transport.res : undefined;
      if (res && this.queued > 0) this.holdPoll(res, this.queued);
    });
    this.conn.on('drain', () => (this.queued = 0)); // emitted once the buffer was handed over
  }

  /** Bytes written to the socket and not yet sent. */
  get bytes(): number {
    return this.queued + this.pollBytes + (this.conn.transport.socket?.bufferedAmount ?? 0);
  }

  /**
   * Throws `rate_limited` while the client has not read what it was sent (over the soft bound), or
   * once the connection is closed (whatever would be answered could not reach it).
   */
  check(): void {
    if (this.conn.readyState !== 'open' || this.bytes > this.bounds.soft) throw NOT_READING;
  }

  private holdPoll(res: ServerResponse, bytes: number): void {
    this.polls.set(res, bytes);
    this.pollBytes += bytes;
    const done = () => {
      if (!this.polls.has(res)) return;
      this.pollBytes -= this.polls.get(res)!;
      this.polls.delete(res);
    };
    res.once('finish', done); // handed to the operating system
    res.once('close', done);
  }

  /** Drops the connection and everything it holds, now: not a Socket.IO disconnect, so the client reconnects. */
  private close(): void {
    if (this.closed) return;
    this.closed = true;
    const bytes = this.bytes;
    this.conn.transport.socket?.terminate(); // websocket: the TCP connection and its buffers
    for (const res of this.polls.keys()) res.destroy(); // polling: the answers not yet sent
    this.conn.close(true); // Engine.IO's buffer, at once: the socket's "disconnect" says "forced close"
    this.onClose(bytes);
  }
}
