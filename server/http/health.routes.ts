import { Router } from 'express';
import type { Ctx } from '../changes/context';
import { packageVersion as version } from '../core/paths';
import type { Metrics } from '../core/metrics';
import { withTimeout } from '../core/timeout';

const READY_TIMEOUT_MS = 1_500; // the contract: 503 within 2 s when the database does not answer

export function healthRoutes(ctx: Ctx, metrics: Metrics): Router {
  return (
    Router()
      // liveness: never touches the database
      .get('/health', (_req, res) => {
        res.json({ status: 'ok', app: 'TODO API', version });
      })
      .get('/ready', async (_req, res) => {
        const ok = await withTimeout(
          ctx.sequelize.query('SELECT 1').then(
            () => true,
            () => false,
          ),
          READY_TIMEOUT_MS,
          false,
        );
        if (ok) res.json({ status: 'ready', db: 'ok' });
        else res.status(503).json({ status: 'unavailable', db: 'down' });
      })
      .get('/metrics', async (_req, res) => {
        res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
      })
  );
}
