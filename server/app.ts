/**
 * Wires the application without listening: createServer(config) -> { app, io, httpServer, close }.
 * server/index.ts starts it; tests build their own instances on port 0.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import cors from 'cors';
import express from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { Server } from 'socket.io';
import type { Sequelize } from 'sequelize';
import { LIMITS } from '../shared/limits';
import { authRoutes } from './auth/auth.routes';
import { Sessions } from './auth/sessions';
import { Tokens } from './auth/tokens';
import type { Config } from './config';
import type { Ctx } from './context';
import { createSequelize } from './db/sequelize';
import { Rates } from './guard/rates';
import { errorHandler, notFoundRoute } from './http/middleware';
import { createMetrics } from './http/metrics';
import { healthRoutes } from './http/health.routes';
import { listRoutes } from './lists/list.routes';
import { createLogger, LOG_SERIALIZERS, type Logger } from './logger';
import { attachPostgresAdapter } from './realtime/adapter';
import { Notifier, type IoServer } from './realtime/notifier';
import { attachSockets } from './realtime/session';
import { taskRoutes } from './tasks/task.routes';

const UNAUTHENTICATED_MS = 5_000;

export interface ServerParts {
  app: express.Express;
  io: IoServer;
  httpServer: http.Server;
  sequelize: Sequelize;
  ctx: Ctx;
  /** Stops accepting, finishes requests in flight, closes sockets and the database pool. */
  close(): Promise<void>;
}

export function createServer(config: Config, opts: { logger?: Logger; sequelize?: Sequelize } = {}): ServerParts {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const sequelize = opts.sequelize ?? createSequelize({ url: config.databaseUrl, poolMax: config.dbPoolMax });
  const sessions = new Sessions(config.sessionRecheckMs);
  const notifier = new Notifier(logger, config.socketAdapter !== 'none', (userId, version) => sessions.seen(userId, version));
  const ctx: Ctx = {
    config, sequelize, logger, notifier, sessions, rates: new Rates(config), tokens: new Tokens(config.jwtSecret, config.jwtExpiresIn),
  };
  const metrics = createMetrics(sequelize);
  const origin = config.corsOrigins === '*' ? true : config.corsOrigins;

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy); // whose X-Forwarded-For names the client (rate limits, logs)
  app.use(pinoHttp({
    logger, genReqId: (req, res) => {
      const id = (req.headers['x-request-id'] as string | undefined)?.slice(0, 100) || crypto.randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    // our serializers only (no headers, cookies, query or body; errors without SQL or bind values):
    // unwrapped, so pino-http does not put its own error serializer back in place of ours
    wrapSerializers: false,
    serializers: LOG_SERIALIZERS,
    // one line per request; a 500/503 is that line at error level, carrying the request id and the
    // error the errorHandler hands over in res.err (the errorHandler does not log it again)
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'debug'),
    customErrorMessage: (_req, res) => (res.statusCode >= 500 ? 'request failed' : 'request aborted'),
  }));
  app.use(metrics.middleware);
  app.use(helmet());
  app.use(cors({ origin, credentials: false }));
  app.use(express.json({ limit: LIMITS.payloadBytes }));
  app.use(healthRoutes(ctx, metrics));
  app.use('/api/auth', authRoutes(ctx));
  app.use('/api/lists', listRoutes(ctx));
  app.use('/api/tasks', taskRoutes(ctx));
  app.use(notFoundRoute);
  app.use(errorHandler());

  const httpServer = http.createServer(app);
  const io: ServerParts['io'] = new Server(httpServer, {
    cors: { origin }, serveClient: false,
    // an event just over the contract's 64 KiB is still read and answered payload_too_large; far larger closes the socket
    maxHttpBufferSize: LIMITS.payloadBytes + 8 * 1024,
    connectTimeout: UNAUTHENTICATED_MS, // a connection that never completes its handshake is closed soon
  });
  const adapter = config.socketAdapter === 'postgres' ? attachPostgresAdapter(io, config.databaseUrl, logger) : undefined;
  notifier.attach(io);
  attachSockets(io, ctx, metrics);

  let closing: Promise<void> | undefined;
  const close = () => closing ??= (async () => {
    await adapter?.ready();
    io.disconnectSockets(true);
    await new Promise<void>((resolve) => {
      httpServer.close(() => resolve()); // waits for requests in flight
      httpServer.closeIdleConnections();
    });
    await io.close().catch(() => undefined);
    await adapter?.close();
    if (!opts.sequelize) await sequelize.close();
  })();

  return { app, io, httpServer, sequelize, ctx, close };
}
