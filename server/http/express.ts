/**
 * The HTTP transport: one Express app with request logs, metrics, security headers, CORS and the
 * JSON body parser, the health routes, the domains' routers where app.ts mounts them, and the one
 * error handler.
 */
import crypto from 'node:crypto';
import cors from 'cors';
import express, { type Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { LIMITS } from '../../shared/limits';
import { compressJson } from '../core/compress';
import type { Ctx } from '../changes/context';
import { LOG_SERIALIZERS } from '../core/logger';
import type { Metrics } from '../core/metrics';
import { healthRoutes } from './health.routes';
import { errorHandler, noStore, notFoundRoute } from './middleware';
import { webRoutes } from './web';

export function createHttpApp(ctx: Ctx, metrics: Metrics, routers: Record<string, Router>): express.Express {
  const { config, logger } = ctx;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy); // whose X-Forwarded-For names the client (rate limits, logs)
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
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
    }),
  );
  app.use(metrics.middleware);
  app.use(helmet());
  app.use(cors({ origin: corsOrigin(config.corsOrigins), credentials: false }));
  // API answers are a user's own data: never kept by a browser or a proxy (set before anything can fail,
  // so errors carry it too); a large JSON answer (a user's lists, a task page) goes out compressed
  app.use('/api', noStore, compressJson());
  app.use(express.json({ limit: LIMITS.payloadBytes }));
  app.use(healthRoutes(ctx, metrics));
  for (const [path, router] of Object.entries(routers)) app.use(path, router);
  app.use(webRoutes()); // the web app at / (dist/web, built by npm run build)
  app.use(notFoundRoute);
  app.use(errorHandler());
  return app;
}

/** CORS_ORIGINS as the cors package and Socket.IO take it. */
export const corsOrigin = (origins: string[] | '*'): string[] | true => (origins === '*' ? true : origins);
