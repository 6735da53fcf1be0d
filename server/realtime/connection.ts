/**
 * A socket's life: handshake authentication, the user's event budget and socket bound, its user room,
 * the token's expiry (auth:expired, then disconnect, unless auth:refresh brought a newer token), what it
 * was sent and has not read (pressure.ts), the domains' events behind the one wrapper, and the
 * domains' own hooks when a socket connects and disconnects.
 */
import type { AuthCtx as Ctx } from '../auth/auth.context';
import { checkToken } from '../auth/auth.service';
import { bearerToken } from '../auth/tokens';
import { AppError, toAppError } from '../core/errors';
import type { DomainEvents, DomainSocket, SocketConnection, SocketDomain } from '../core/socket-domain';
import type { Logger } from '../core/logger';
import type { Metrics } from '../core/metrics';
import { tokenRoom, userRoom, type IoServer } from '../changes/notifier';
import { eventWrapper, type AppSocket } from './event-wrapper';
import { Unsent } from './pressure';
import { SocketBound } from './socket-bound';

const MAX_TIMER_MS = 2 ** 31 - 1;

/** connect_error messages: the contract's names for why a handshake failed. */
const HANDSHAKE_MESSAGES: Partial<Record<string, string>> = {
  unauthorized: 'unauthorized',
  limit_exceeded: 'too_many_connections',
};
const expiryTimers = new WeakMap<AppSocket, NodeJS.Timeout>();

/** Serves the sockets of `io`; the result's `idle()` resolves once no socket event is being served. */
export function attachSockets(
  io: IoServer,
  ctx: Ctx,
  metrics: Metrics,
  domains: SocketDomain[],
): { idle: () => Promise<void> } {
  const bound = new SocketBound(io, ctx);

  // handshake: a missing, malformed, expired or revoked token gets connect_error "unauthorized"; past
  // the user's event budget, "rate_limited"; a user with MAX_SOCKETS_PER_USER open sockets over all
  // nodes gets "too_many_connections"
  const handshake = async (socket: AppSocket, next: (err?: Error) => void): Promise<void> => {
    try {
      const token: unknown = socket.handshake.auth.token ?? bearerToken(socket.handshake.headers.authorization);
      // a handshake is one of the user's events, spent before the database is asked about the token
      const claims = ctx.tokens.verify(token);
      await ctx.rates.spendEvent(claims.sub);
      const user = await checkToken(ctx, token, claims);
      const place = await bound.reserve(user.userId);
      if (!place.admitted) throw new AppError('limit_exceeded');
      if (socket.conn.readyState !== 'open') {
        place.release(); // the client went away meanwhile
        return;
      }
      socket.conn.once('close', place.release);
      place.connected();
      Object.assign(socket.data, { userId: user.userId, ver: user.version, exp: user.exp, tid: user.tokenId });
      next();
    } catch (err) {
      // a token problem is "unauthorized"; a database outage must not make a client drop a good token
      const appError = toAppError(err);
      if (appError.code === 'internal' || appError.code === 'unavailable')
        ctx.logger.error({ err }, 'socket handshake failed');
      next(new Error(HANDSHAKE_MESSAGES[appError.code] ?? appError.code));
    }
  };
  const events = domains.reduce<DomainEvents>((all, domain) => ({ ...all, ...domain.events }), {});
  const wrapper = eventWrapper(events, ctx, metrics);
  io.use((raw, next) => void handshake(raw as AppSocket, next)); // handshake() answers every failure through next()

  io.on('connection', (raw) => {
    const socket = raw as AppSocket;
    // before anything else: from now on it gets its lists' changes, and a log out of its token reaches it
    void socket.join([userRoom(socket.data.userId), tokenRoom(socket.data.tid)]);
    metrics.sockets.inc();
    const domainSocket = toDomainSocket(socket);
    socket.on('disconnect', () => {
      metrics.sockets.dec();
      clearTimeout(expiryTimers.get(socket));
      for (const domain of domains) {
        if (domain.disconnected)
          runHook(ctx.logger, domainSocket, 'disconnected', () => domain.disconnected?.(domainSocket));
      }
    });
    armExpiry(socket);
    // what it was sent and has not read: past the hard bound its connection is dropped (broadcasts included)
    const unsent = new Unsent(
      socket,
      { soft: ctx.config.socketUnsentBytes, hard: ctx.config.socketUnsentMaxBytes },
      (bytes) => {
        metrics.socketsNotReading.inc();
        ctx.logger.warn(
          { userId: socket.data.userId, bytes },
          'socket closed: its client does not read what it is sent',
        );
      },
    );
    const connection: SocketConnection = {
      get exp() {
        return socket.data.exp;
      },
      extend(exp, tokenId) {
        socket.data.exp = exp;
        if (tokenId !== socket.data.tid) {
          void socket.leave(tokenRoom(socket.data.tid));
          socket.data.tid = tokenId;
          void socket.join(tokenRoom(tokenId));
        }
        armExpiry(socket);
      },
      checkReading: () => unsent.check(),
    };
    wrapper.attach(socket, connection, unsent);
    for (const domain of domains) {
      if (domain.connected) runHook(ctx.logger, domainSocket, 'connected', () => domain.connected?.(domainSocket));
    }
  });
  return { idle: wrapper.idle };
}

/** The socket as the domains' hooks see it: a join after the disconnect does nothing (Socket.IO would keep it). */
function toDomainSocket(socket: AppSocket): DomainSocket {
  return {
    id: socket.id,
    userId: socket.data.userId,
    join: (room) => {
      if (socket.connected) void socket.join(room);
    },
    leave: (room) => void socket.leave(room),
  };
}

/** Runs a domain's hook: whatever it throws or rejects with is logged, never thrown. */
function runHook(
  logger: Logger,
  socket: DomainSocket,
  hook: 'connected' | 'disconnected',
  run: () => void | Promise<void>,
): void {
  const failed = (err: unknown) => logger.error({ err, userId: socket.userId, hook }, 'a socket hook failed');
  try {
    void Promise.resolve(run()).catch(failed);
  } catch (err) {
    failed(err);
  }
}

/** At the token's expiry: tell the client, then disconnect. Re-armed by auth:refresh. */
function armExpiry(socket: AppSocket): void {
  clearTimeout(expiryTimers.get(socket));
  const fire = () => {
    const left = socket.data.exp * 1000 - Date.now();
    if (left > 0) {
      expiryTimers.set(socket, setTimeout(fire, Math.min(left, MAX_TIMER_MS)));
      return;
    }
    socket.emit('auth:expired', {});
    socket.disconnect(true);
  };
  fire();
}
