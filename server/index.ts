/**
 * `npm start`: configuration, the database (embedded when DATABASE_URL is empty), migrations, then
 * listen. SIGTERM/SIGINT: stop accepting, finish what is in flight, close the pool, stop the
 * embedded database, exit 0 (forced after 10 s).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createServer } from './app';
import { ConfigError, loadConfig, type Config } from './core/config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../dev/embedded-postgres';
import { migrateUp } from './core/db/migrate';
import { createSequelize } from './models';
import { createLogger } from './core/logger';
import { projectRoot } from './core/paths';
import { startMaintenance } from './core/db/maintenance';

const SHUTDOWN_LIMIT_MS = 10_000;

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
  const logger = createLogger(config.logLevel);
  for (const w of warnings) logger.warn(w);

  let embedded: EmbeddedPostgres | undefined;
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
    config = { ...config, databaseUrl: embedded.url };
  }
  const sequelize = createSequelize({ url: config.databaseUrl, poolMax: config.dbPoolMax });
  const applied = await migrateUp(sequelize, config.databaseUrl);
  if (applied.length) logger.info({ migrations: applied }, 'database migrated');

  const server = createServer(config, { logger, sequelize });
  const maintenance = startMaintenance(server.ctx);
  await new Promise<void>((resolve, reject) => {
    server.httpServer.once('error', reject);
    server.httpServer.listen(config.port, config.host, resolve);
  });
  logger.info({ port: config.port, host: config.host, embeddedDb: Boolean(embedded) }, 'listening');

  let stopping = false;
  const shutdown = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took longer than 10 s, exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    maintenance.stop();
    await server.close();
    await sequelize.close();
    await embedded?.stop();
    logger.info('stopped');
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
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
