/**
 * `npm start`: configuration, the database (embedded when DATABASE_URL is empty), migrations, then
 * listen; with WEB_CONCURRENCY > 1, this process is the primary of that many workers on the port
 * (server/cluster.ts), each of which runs this file too. SIGTERM/SIGINT: stop accepting, close the
 * sockets (clients reconnect elsewhere), finish what is in flight, close the pool, stop the embedded
 * database, exit 0 (forced after 10 s).
 */
import cluster from 'node:cluster';
import fs from 'node:fs';
import path from 'node:path';
import { createServer } from './app';
import { startPrimary, startWorker } from './cluster';
import { ConfigError, loadConfig, type Config } from './core/config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './core/db/embedded-postgres';
import { migrateUp } from './core/db/migrate';
import { createSequelize } from './models';
import { createLogger } from './core/logger';
import { projectRoot } from './core/paths';
import { startMaintenance } from './maintenance';

/** A worker (or the only process) forces its exit after 10 s; the primary waits a little longer for its workers. */
const SHUTDOWN_LIMIT_MS = cluster.isWorker ? 10_000 : 11_000;

async function main(): Promise<void> {
  const envFile = path.join(projectRoot, '.env');
  if (fs.existsSync(envFile)) process.loadEnvFile(envFile);
  const warnings: string[] = [];
  let config: Config;
  try {
    config = loadConfig(process.env, (w) => warnings.push(w));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\nSee .env.example for every variable and its default.\n`);
    process.exit(1);
  }
  const worker = config.webConcurrency > 1 && cluster.isWorker;
  const logger = worker
    ? createLogger(config.logLevel).child({ worker: cluster.worker!.id })
    : createLogger(config.logLevel);
  if (!worker) for (const w of warnings) logger.warn(w);

  // the database: the primary (or the only process) starts the embedded one and migrates; workers are handed its URL
  let embedded: EmbeddedPostgres | undefined;
  if (!worker) {
    if (!config.databaseUrl) {
      embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
      config = { ...config, databaseUrl: embedded.url };
    }
    const migrator = createSequelize({ url: config.databaseUrl, poolMax: 1, timeouts: false });
    const applied = await migrateUp(migrator, config.databaseUrl).finally(() => migrator.close());
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');
  }

  let stop: () => Promise<number>;
  let failed: Promise<number> | undefined;
  if (config.webConcurrency > 1 && !worker) {
    const primary = await startPrimary(config, logger, { DATABASE_URL: config.databaseUrl });
    ({ stop, failed } = primary);
    logger.info({ port: config.port, host: config.host, workers: config.webConcurrency }, 'listening');
  } else {
    const sequelize = createSequelize({ url: config.databaseUrl, poolMax: config.dbPoolMax });
    const server = createServer(config, { logger, sequelize });
    const maintenance = startMaintenance(server.ctx);
    if (worker) {
      startWorker(server.io);
      process.once('disconnect', () => void shutdown('primary gone')); // the primary died: stop too
    } else {
      await new Promise<void>((resolve, reject) => {
        server.httpServer.once('error', reject);
        server.httpServer.listen(config.port, config.host, resolve);
      });
      logger.info({ port: config.port, host: config.host, embeddedDb: Boolean(embedded) }, 'listening');
    }
    stop = async () => {
      maintenance.stop();
      await server.close();
      await sequelize.close();
      return 0;
    };
  }

  let stopping = false;
  async function shutdown(signal: string, code = 0): Promise<void> {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error(`shutdown took longer than ${SHUTDOWN_LIMIT_MS / 1000} s, exiting`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    const stopped = await stop();
    await embedded?.stop();
    logger.info('stopped');
    process.exit(code || stopped);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  void failed?.then((code) => shutdown('workers failing', code));
  // every request path catches its own errors; these are the server's own faults, logged once
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled promise rejection'));
  process.on('uncaughtException', (err) => {
    // Node's advice: after an uncaught exception the process state is unknown, so stop (cleanly, bounded)
    logger.fatal({ err }, 'uncaught exception, stopping');
    void shutdown('uncaughtException', 1);
  });
}

main().catch((err: unknown) => {
  // a start-up failure: one clear line, no stack trace unless asked for
  const error = err instanceof Error ? err : undefined;
  process.stderr.write(`Could not start: ${error?.message ?? String(err)}\n`);
  if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace')
    process.stderr.write(`${error?.stack ?? String(err)}\n`);
  process.exit(1);
});
