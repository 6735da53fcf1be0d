/**
 * Connections that have not authenticated yet: an Engine.IO session is made by one GET that needs no
 * token, so until its Socket.IO CONNECT is accepted it is anonymous. Such sessions are few per client
 * address, bounded in all, and closed, whatever their transport, when the contract's 5 s pass without
 * a CONNECT accepted. Past a bound the Engine.IO handshake is answered 429 at once, before any session
 * is made; a client (socket.io-client) takes it as a transport error and tries again with its back-off.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IoServer } from '../changes/notifier';
import type { AppSocket } from './event-wrapper';

type EngineSocket = AppSocket['conn'];

export interface AnonymousBounds {
  /** Anonymous sessions of one client address at once. */
  perAddress: number;
  /** Anonymous sessions of this process at once, all addresses together. */
  max: number;
  /** How long a session may stay anonymous before it is closed. */
  timeoutMs: number;
  /** The client address of a request, as Express's req.ip gives it (TRUST_PROXY). */
  addressOf: (req: IncomingMessage) => string;
}

/** The refusal's body: an Engine.IO error (code 4 is its "Forbidden"), with the contract's message for a handshake past a bound. */
const REFUSAL = JSON.stringify({ code: 4, message: 'too_many_connections' });
/** Seconds a refused client is told to wait: by then every anonymous session of its address has authenticated or closed. */
const RETRY_AFTER_S = 5;

/** Guards the anonymous sessions of `io`'s Engine.IO server. */
export function guardAnonymous(io: IoServer, bounds: AnonymousBounds): void {
  const byAddress = new Map<string, number>();
  let total = 0;
  const add = (address: string, n: number) => {
    total += n;
    const left = (byAddress.get(address) ?? 0) + n;
    if (left > 0) byAddress.set(address, left);
    else byAddress.delete(address);
  };
  /** Ends a session's anonymity (authenticated, or closed): uncounts it and stops its timer, once. */
  const release = new WeakMap<EngineSocket, () => void>();

  // a handshake (a request naming no session) past a bound is refused before Engine.IO makes a session;
  // from this check to the count in 'connection' below nothing waits (Engine.IO's middlewares, its checks
  // and its handshake run in one go of promise jobs), so concurrent handshakes are counted one by one
  io.engine.use((req: IncomingMessage, res: ServerResponse, next: (err?: Error) => void) => {
    if ((req as { _query?: { sid?: string } })._query?.sid !== undefined) {
      next();
      return;
    }
    const address = bounds.addressOf(req);
    if (total < bounds.max && (byAddress.get(address) ?? 0) < bounds.perAddress) {
      next();
      return;
    }
    refuse(req, res); // answered here: like an Express middleware that sends, this one does not call next()
  });

  io.engine.on('connection', (conn: EngineSocket) => {
    const address = bounds.addressOf(conn.request);
    add(address, 1);
    // discard: a polling session closes at once, instead of waiting up to 30 s for its next poll to say so
    const timer = setTimeout(() => conn.close(true), bounds.timeoutMs);
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      clearTimeout(timer);
      add(address, -1);
    };
    release.set(conn, done);
    conn.once('close', done);
  });
  // a Socket.IO CONNECT accepted (the handshake of server/realtime/connection.ts passed): no longer anonymous
  io.on('connection', (socket) => release.get(socket.conn)?.());
}

/** 429 with Retry-After: as an HTTP answer to a polling handshake, written raw on the socket of a WebSocket upgrade. */
function refuse(req: IncomingMessage, res: ServerResponse): void {
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(REFUSAL)),
    'Retry-After': String(RETRY_AFTER_S),
    'Cache-Control': 'no-store',
  };
  if (req.headers.upgrade === undefined) {
    res.writeHead(429, headers).end(REFUSAL);
    return;
  }
  // an upgrade has no ServerResponse (Engine.IO hands a stand-in): answer on the socket itself, then close it
  const socket = req.socket;
  if (socket.writable) {
    const head = Object.entries({ ...headers, Connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`);
    socket.end(`HTTP/1.1 429 Too Many Requests\r\n${head.join('')}\r\n${REFUSAL}`);
  }
  socket.destroySoon();
}
