/**
 * Every core of one machine (WEB_CONCURRENCY > 1). This process, the primary, listens on the port and
 * hands each connection to one of N worker processes, each a whole server (server/index.ts):
 * @socket.io/sticky reads the Engine.IO session id of each request, so the requests of one HTTP
 * long-polling client reach the worker holding its session, and a new client goes to the worker with
 * the fewest. The workers see each client's own address (rate limits, logs). Between the workers the
 * configured adapter relays: with SOCKET_ADAPTER=cluster, this process over IPC.
 *
 * A worker that dies is replaced (at most 10 times a minute, then the whole group stops with exit 1).
 * stop(): no new connections; each worker gets SIGTERM, closes its sockets (clients reconnect),
 * finishes what is in flight and exits; resolves with 0 when every worker exited 0.
 */
import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import { setupPrimary } from '@socket.io/cluster-adapter';
import { setupMaster, setupWorker } from '@socket.io/sticky';
import type { Server } from 'socket.io';
import type { Config } from './core/config';
import type { Logger } from './core/logger';

const READY = 'todo:ready';
const RESTARTS_PER_MINUTE = 10;

export interface Primary {
  /** Stops the workers, then resolves with the exit code for the whole group. */
  stop: () => Promise<number>;
  /** Resolves with 1 if workers keep dying (more than 10 replacements in a minute). */
  failed: Promise<number>;
}

/** The primary: forks the workers (with `env` added to theirs), waits for each to be ready, then listens. */
export async function startPrimary(config: Config, logger: Logger, env: Record<string, string>): Promise<Primary> {
  cluster.setupPrimary({ serialization: 'advanced' }); // sticky hands request bytes over IPC as Buffers
  if (config.socketAdapter === 'cluster') setupPrimary();
  const httpServer = http.createServer();
  setupMaster(httpServer, { loadBalancingMethod: 'least-connection' });

  let stopping = false;
  let fail: (code: number) => void = () => undefined;
  const failed = new Promise<number>((resolve) => (fail = resolve));
  const restarts: number[] = [];
  // @socket.io/sticky sends a new client to the worker with the fewest (`clientsCount`): a worker
  // counts as full until it is ready, so that no connection waits on one still starting
  const fork = (): Worker => {
    const worker: Worker & { clientsCount?: number } = cluster.fork(env);
    worker.clientsCount = Number.MAX_SAFE_INTEGER;
    worker.on('message', (message: { type?: unknown }) => {
      if (message.type === READY) worker.clientsCount = 0;
    });
    return worker;
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    restarts.push(now);
    while (restarts[0] < now - 60_000) restarts.shift();
    if (restarts.length > RESTARTS_PER_MINUTE) {
      logger.fatal({ worker: worker.id, code, signal }, 'workers keep dying, stopping');
      fail(1);
      return;
    }
    logger.error({ worker: worker.id, code, signal }, 'worker died, starting another');
    fork();
  });

  const ready = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      worker.on('message', (message: { type?: unknown }) => {
        if (message.type === READY) resolve();
      });
      worker.once('exit', (code) => reject(new Error(`a worker exited with ${String(code)} while starting`)));
    });
  await Promise.all(Array.from({ length: config.webConcurrency }, () => ready(fork())));
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, resolve);
  });

  const stop = async (): Promise<number> => {
    stopping = true;
    httpServer.close();
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    const codes = await Promise.all(
      workers.map(
        (worker) =>
          new Promise<number | null>((resolve) => {
            if (worker.isDead()) {
              resolve(worker.process.exitCode ?? null);
              return;
            }
            worker.once('exit', (code) => resolve(code));
            worker.process.kill('SIGTERM');
          }),
      ),
    );
    return codes.every((code) => code === 0) ? 0 : 1;
  };
  return { stop, failed };
}

/** A worker: takes its connections from the primary, then tells it it is ready. */
export function startWorker(io: Server): void {
  setupWorker(io);
  process.send?.({ type: READY });
}
