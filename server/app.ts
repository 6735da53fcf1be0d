/**
 * Wires the application without listening: createServer(config) -> { app, io, httpServer, close }.
 * server/index.ts starts it; tests build their own instances on port 0.
 */
import http from 'node:http';
import type express from 'express';
import { Router } from 'express';
import { createAdapter as createClusterAdapter } from '@socket.io/cluster-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';
import type { Sequelize } from 'sequelize';
import { LIMITS } from '../shared/limits';
import type { AuthCtx } from './auth/auth.context';
import { requireAuth } from './auth/auth.middleware';
import { authRoutes } from './auth/auth.routes';
import { authDomain } from './auth/auth.socket';
import { Devices } from './auth/devices';
import { Passwords } from './auth/passwords';
import { Revocations } from './auth/revocations';
import { TokenVersions } from './auth/token-versions';
import { Tokens } from './auth/tokens';
import { clientAddress, type TrustProxy } from './core/address';
import type { Config } from './core/config';
import { createLogger, type Logger } from './core/logger';
import { createMetrics } from './core/metrics';
import { Notifier, type IoServer } from './changes/notifier';
import { commentRoutes } from './comments/comment.routes';
import { commentDomain } from './comments/comment.socket';
import { Rates } from './core/rates';
import { ReadSlots } from './core/reads';
import { spendEvent } from './core/route-helpers';
import { withTimeout } from './core/timeout';
import { docsRoutes } from './docs/docs.routes';
import { corsOrigin, createHttpApp } from './http/express';
import { blockRoutes } from './lists/block.routes';
import { attachListRooms, onListRoomLeft } from './lists/list-rooms';
import { listRoutes } from './lists/list.routes';
import { createListIn } from './lists/list.service';
import { onMemberLeft } from './lists/member-left';
import { listDomain } from './lists/list.socket';
import { createSequelize } from './models';
import { PresenceHub } from './presence/presence.hub';
import { presenceDomain } from './presence/presence.socket';
import { attachPostgresAdapter } from './realtime/adapter';
import { guardAnonymous } from './realtime/anonymous';
import { attachSockets } from './realtime/connection';
import { attachRedisAdapter } from './realtime/redis-adapter';
import { admitOnceHeard } from './realtime/heard';
import { watchPeers } from './realtime/peers';
import { syncDomain } from './sync/sync.socket';
import { taskRoutes } from './tasks/task.routes';
import { unassignLeaver } from './tasks/unassign';
import { taskDomain } from './tasks/task.socket';

const UNAUTHENTICATED_MS = 5_000;
/** How long close() waits for socket events and HTTP requests in flight (server/index.ts forces an exit after 10 s). */
const DRAIN_MS = 7_000;

/**
 * Node's own checks of a connection that is slow to send its request: headers and body within
 * `requestTimeoutMs`, looked at four times in that while, so closed within 1.25 × `requestTimeoutMs`
 * (a connection that sends nothing included). A kept-alive connection idle after an answer is closed
 * by Node's keepAliveTimeout (5 s).
 */
function httpTimeouts(requestTimeoutMs: number): http.ServerOptions {
  return {
    headersTimeout: requestTimeoutMs,
    requestTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.ceil(requestTimeoutMs / 4),
  };
}

export interface ServerParts {
  app: express.Express;
  io: IoServer;
  httpServer: http.Server;
  sequelize: Sequelize;
  ctx: AuthCtx;
  /** Who is present in which list (this node's sockets, and what the other nodes said of theirs). */
  presence: PresenceHub;
  /** Stops accepting, finishes requests in flight, closes sockets and the database pool. */
  close(): Promise<void>;
}

export function createServer(config: Config, opts: { logger?: Logger; sequelize?: Sequelize } = {}): ServerParts {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const sequelize = opts.sequelize ?? createSequelize({ url: config.databaseUrl, poolMax: config.dbPoolMax });
  const tokenVersions = new TokenVersions(config.sessionRecheckMs);
  const revocations = new Revocations(sequelize, config.sessionRecheckMs);
  const notifier = new Notifier(
    logger,
    config.socketAdapter !== 'none',
    (userId, version) => tokenVersions.seen(userId, version),
    (tokenId) => revocations.seen(tokenId, true),
  );
  const rateStore = config.socketAdapter === 'redis' ? redisRateStore(config, logger) : undefined;
  const rates = new Rates(config, rateStore && { client: rateStore, key: config.redisKey });
  const ctx: AuthCtx = {
    config,
    sequelize,
    logger,
    notifier,
    tokenVersions,
    revocations,
    devices: new Devices(config.jwtSecret),
    rates,
    reads: new ReadSlots(config.userReadsAtOnce, rates),
    tokens: new Tokens(config.jwtSecret, config.jwtExpiresIn),
    passwords: new Passwords(config.bcryptRounds, config.passwordHashConcurrency, config.passwordHashQueue),
  };
  const metrics = createMetrics(sequelize);
  onMemberLeft(unassignLeaver); // a member who leaves a list is unassigned from its tasks

  // HTTP: each domain's routes; the lists' and tasks' behind authentication and the user's event budget
  const authed = Router().use(requireAuth(ctx), spendEvent(ctx.rates));
  const app = createHttpApp(ctx, metrics, {
    '/api/auth': authRoutes(ctx, (t, userId) => createListIn(t, userId, 'Inbox')), // every account starts with an Inbox
    '/api': Router().use(
      listRoutes(ctx, authed),
      taskRoutes(ctx, authed),
      commentRoutes(ctx, authed),
      blockRoutes(ctx, authed),
    ),
    '/': docsRoutes(), // /openapi.json, /asyncapi.json, Swagger UI at /docs, the events page at /docs/events
  });

  // sockets: each domain's events, one function per client event, and its socket hooks
  const httpServer = http.createServer(httpTimeouts(config.requestTimeoutMs), app);
  const io: ServerParts['io'] = new Server(httpServer, {
    cors: { origin: corsOrigin(config.corsOrigins) },
    serveClient: false,
    // an event just over the contract's 64 KiB is still read and answered payload_too_large; far larger closes the socket
    maxHttpBufferSize: LIMITS.payloadBytes + 8 * 1024,
    // a fallback: guardAnonymous() closes a connection that has not authenticated at UNAUTHENTICATED_MS,
    // and must come first, or a polling transport's close would wait for its 30 s closeTimeout
    connectTimeout: UNAUTHENTICATED_MS + 1_000,
  });
  // anonymous connections: few per client address (as Express sees it), bounded in all, closed at 5 s
  guardAnonymous(io, {
    perAddress: config.maxAnonymousPerAddress,
    max: config.maxAnonymous,
    timeoutMs: UNAUTHENTICATED_MS,
    addressOf: clientAddress(app.get('trust proxy fn') as TrustProxy),
  });
  const restored = () => notifier.relayRestored();
  const failed = (err: unknown) => notifier.relayFailed(err);
  const adapter = {
    postgres: () => attachPostgresAdapter(io, config.databaseUrl, logger, restored, failed),
    redis: () => attachRedisAdapter(io, { url: config.redisUrl, key: config.redisKey }, logger, restored, failed),
    cluster: () => {
      io.adapter(createClusterAdapter()); // the workers' primary relays (server/cluster.ts)
      return undefined;
    },
    none: () => undefined,
  }[config.socketAdapter]();
  notifier.attach(io);
  attachListRooms(ctx, io); // the lists' services move their members' sockets between list rooms
  // presence between nodes goes through the adapter too; a member removed or a list deleted leaves it on every node
  const presence = new PresenceHub(ctx, io);
  onListRoomLeft(ctx, (listId, userId) => presence.memberLeft(listId, userId));
  // with PostgreSQL, a node that hears no other relays nothing (realtime/peers.ts)
  const peers = config.socketAdapter === 'postgres' ? watchPeers(io, () => notifier.peerJoined()) : undefined;
  if (peers) notifier.countPeers(peers.count);
  admitOnceHeard(io, adapter, logger, peers?.firstHeard);
  // each domain's events, and its hooks when a socket connects and disconnects
  const sockets = attachSockets(io, ctx, metrics, [
    authDomain(ctx),
    listDomain(ctx),
    taskDomain(ctx),
    commentDomain(ctx),
    syncDomain(ctx),
    presenceDomain(presence),
  ]);

  const httpIdle = requestsInFlight(httpServer);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await adapter?.ready();
      // first, so that its last word to the other nodes (drop this one's entries) is out long before the adapter closes
      presence.close();
      httpServer.close(); // no new connections
      // each socket's connection is closed, not Socket.IO-disconnected (which a client takes as final),
      // so that clients reconnect, to another node behind a load balancer; an event being served is
      // finished (its effect committed and relayed) though its ack cannot reach the client any more,
      // whose retry with the same mutationId gets the recorded answer
      for (const socket of io.sockets.sockets.values()) socket.conn.close();
      httpServer.closeIdleConnections();
      await withTimeout(Promise.all([sockets.idle(), httpIdle()]), DRAIN_MS, undefined);
      httpServer.closeAllConnections();
      await adapter?.settled(); // its goodbye to the other nodes is then the last message
      await io.close().catch(() => undefined);
      await adapter?.close();
      await rateStore?.quit().catch(() => undefined);
      if (!opts.sequelize) await sequelize.close();
    })());

  return { app, io, httpServer, sequelize, ctx, presence, close };
}

/** With Redis, the per-user rates are counted there, shared by every node. */
function redisRateStore(config: Config, logger: Logger) {
  const store = createClient({
    url: config.redisUrl,
    name: `${config.redisKey}-rates`,
    // while Redis is away a count fails at once, and this process's own count stands in
    disableOfflineQueue: true,
    socket: { connectTimeout: 5_000 },
  });
  store.on('error', (err: unknown) => logger.warn({ err }, 'rate store connection lost'));
  store.connect().catch((err: unknown) => logger.warn({ err }, 'rate store could not connect to Redis'));
  return store;
}

/** The HTTP requests in flight: resolves once there are none (for close() to wait on). */
function requestsInFlight(httpServer: http.Server): () => Promise<void> {
  let requests = 0;
  let requestsDone: (() => void) | undefined;
  httpServer.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    requests += 1;
    res.once('close', () => {
      requests -= 1;
      if (!requests) requestsDone?.();
    });
  });
  return () => (requests ? new Promise<void>((resolve) => (requestsDone = resolve)) : Promise.resolve());
}
