import { Router } from 'express';
import type { Ctx } from '../context';
import { packageVersion as version } from '../paths';
import type { Metrics } from './metrics';

const READY_TIMEOUT_MS = 1_500; // the contract: 503 within 2 s when the database does not answer

export function healthRoutes(ctx: Ctx, metrics: Metrics): Router {
  return Router()
    // liveness: never touches the database
    .get('/health', (_req, res) => { res.json({ status: 'ok', app: 'TODO API', version }); })
    .get('/ready', async (_req, res) => {
      let timer: NodeJS.Timeout | undefined;
      const ok = await Promise.race([
        ctx.sequelize.query('SELECT 1').then(() => true, () => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      if (ok) res.json({ status: 'ready', db: 'ok' });
      else res.status(503).json({ status: 'unavailable', db: 'down' });
    })
    .get('/metrics', async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
}
