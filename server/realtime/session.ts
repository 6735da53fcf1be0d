/**
 * A socket's life: handshake authentication, its user room, the token's expiry (auth:expired, then
 * disconnect, unless auth:refresh brought a newer token), and the per-socket handlers.
 */
import { authRefreshSchema, syncSchema } from '../../shared/schemas';
import { authenticate } from '../auth/auth.service';
import { bearerToken } from '../auth/tokens';
import type { Ctx } from '../context';
import { AppError, toAppError } from '../errors';
import type { Metrics } from '../http/metrics';
import { listHandlers } from '../lists/list.handlers';
import { sync } from '../sync/sync.service';
import { taskHandlers } from '../tasks/task.handlers';
import { register, TokenBucket, type AppSocket, type HandlerMap } from './handlers';
import { userRoom, type IoServer } from './notifier';

const MAX_TIMER_MS = 2 ** 31 - 1;

export function attachSockets(io: IoServer, ctx: Ctx, metrics: Metrics): void {
  // handshake: a missing, malformed, expired or revoked token gets connect_error "unauthorized"
  io.use(async (socket, next) => {
    try {
      const token = socket.handshake.auth?.token ?? bearerToken(socket.handshake.headers.authorization);
      const { user, exp } = await authenticate(ctx, token);
      Object.assign(socket.data, { userId: user.id, exp, bucket: new TokenBucket(ctx.config.socketEventsPerSecond) });
      next();
    } catch (err) {
      // a token problem is "unauthorized"; a database outage must not make a client drop a good token
      const appError = toAppError(err);
      if (appError.code !== 'unauthorized') ctx.logger.error({ err }, 'socket handshake failed');
      next(new Error(appError.code === 'unauthorized' ? 'unauthorized' : appError.code));
    }
  });

  const handlers: HandlerMap = {
    ...listHandlers(ctx),
    ...taskHandlers(ctx),
    sync: { schema: syncSchema, run: (actor, input) => sync(ctx, actor, input) },
    'auth:refresh': {
      schema: authRefreshSchema,
      run: async (actor, input, socket) => {
        const { user, exp } = await authenticate(ctx, input.token);
        if (user.id !== actor.userId) throw new AppError('unauthorized', 'The token belongs to another user');
        if (exp > socket.data.exp) {
          socket.data.exp = exp;
          armExpiry(socket as AppSocket);
        }
        return { expiresAt: new Date(socket.data.exp * 1000).toISOString() };
      },
    },
  };

  io.on('connection', (raw) => {
    const socket = raw as AppSocket;
    socket.join(userRoom(socket.data.userId)); // before anything else: from now on it gets its lists' changes
    metrics.sockets.inc();
    socket.on('disconnect', () => {
      metrics.sockets.dec();
      clearTimeout(socket.data.expiryTimer);
    });
    armExpiry(socket);
    register(socket, handlers, ctx.logger, metrics);
  });
}

/** At the token's expiry: tell the client, then disconnect. Re-armed by auth:refresh. */
function armExpiry(socket: AppSocket): void {
  clearTimeout(socket.data.expiryTimer);
  const fire = () => {
    const left = socket.data.exp * 1000 - Date.now();
    if (left > 0) {
      socket.data.expiryTimer = setTimeout(fire, Math.min(left, MAX_TIMER_MS));
      return;
    }
    socket.emit('auth:expired', {});
    socket.disconnect(true);
  };
  fire();
}
