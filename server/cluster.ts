/**
 * Every core of one machine (WEB_CONCURRENCY > 1). This process, the primary, listens on the port and
 * hands each TCP connection to one of N worker processes, each a whole server (server/index.ts). It
 * reads only the connection's first bytes: a request naming an Engine.IO session (`sid=`) goes to the
 * worker that holds it (so HTTP long-polling works), any other to the next worker in turn. Those bytes
 * go along with the connection itself; the primary stops reading at once, so the rest waits in the
 * kernel for the worker, and the worker sees the client's own address (rate limits, logs). (The
 * ready-made @socket.io/sticky was tried first: under a burst of connections about one in a few hundred
 * lost its Socket.IO CONNECT packet.) Between the workers the configured adapter relays: with
 * SOCKET_ADAPTER=cluster, this process over IPC.
 *
 * A worker that dies is replaced (at most 10 times a minute, then the whole group stops with exit 1);
 * while it starts, its clients are spread over the others. stop(): no new connections; each worker
 * gets SIGTERM, closes its sockets (clients reconnect), finishes what is in flight and exits; resolves
 * with 0 when every worker exited 0.
 */
import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import { setupPrimary } from '@socket.io/cluster-adapter';
import type { Server } from 'socket.io';
import type { Config } from './core/config';
import type { Logger } from './core/logger';

const READY = 'todo:ready';
const CONNECTION = 'todo:connection';
const SESSION_OPEN = 'todo:session-open';
const SESSION_CLOSED = 'todo:session-closed';
const RESTARTS_PER_MINUTE = 10;

export interface Primary {
  /** Stops the workers, then resolves with the exit code for the whole group. */
  stop: () => Promise<number>;
  /** Resolves with 1 if workers keep dying (more than 10 replacements in a minute). */
  failed: Promise<number>;
}

/** The primary: forks the workers (with `env` added to theirs), waits for each to be ready, then listens. */
export async function startPrimary(config: Config, logger: Logger, env: Record<string, string>): Promise<Primary> {
  cluster.setupPrimary({ serialization: 'advanced' }); // the first bytes of a connection go to its worker as a Buffer
  if (config.socketAdapter === 'cluster') setupPrimary();
  /** slots[i]: the worker in slot i, ready or not; a replacement takes the slot of the one that died. */
  const slots: Array<{ worker: Worker; ready: boolean }> = [];
  /** Engine.IO sessions by id, to the slot of the worker that holds them (told by the workers). */
  const sessions = new Map<string, number>();
  let turn = 0;
  const pick = (sid: string | undefined): { worker: Worker; ready: boolean } | undefined => {
    const held = sid === undefined ? undefined : slots[sessions.get(sid) ?? -1];
    if (held?.ready) return held;
    const ready = slots.filter((slot) => slot.ready);
    return ready[turn++ % ready.length]; // a new client: the next worker in turn
  };
  const tcp = net.createServer({ pauseOnConnect: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    // the first bytes name the session, if any; the rest stays in the kernel for the worker to read
    socket.once('readable', () => {
      const head = socket.read() as Buffer | null;
      (socket as unknown as { _handle?: { readStop(): number } })._handle?.readStop();
      const line = head?.subarray(0, Math.max(0, head.indexOf('\r\n'))).toString('latin1') ?? '';
      const target = head && pick(/[?&]sid=([\w-]{20})/.exec(line)?.[1]);
      if (!target) {
        socket.destroy();
        return;
      }
      target.worker.send({ type: CONNECTION, head }, socket, (err) => {
        if (err) socket.destroy();
      });
    });
  });

  let stopping = false;
  let fail: (code: number) => void = () => undefined;
  const failed = new Promise<number>((resolve) => (fail = resolve));
  const restarts: number[] = [];
  const fork = (slot: number): Worker => {
    const worker = cluster.fork(env);
    slots[slot] = { worker, ready: false };
    worker.on('message', (message: { type?: unknown; sid?: unknown }) => {
      if (slots[slot]?.worker !== worker) return;
      if (message.type === READY) slots[slot].ready = true;
      else if (message.type === SESSION_OPEN && typeof message.sid === 'string') sessions.set(message.sid, slot);
      else if (message.type === SESSION_CLOSED && typeof message.sid === 'string') sessions.delete(message.sid);
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
    const slot = slots.findIndex((s) => s.worker === worker);
    for (const [sid, held] of sessions) if (held === slot) sessions.delete(sid);
    if (slot >= 0) fork(slot);
  });

  const ready = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      worker.on('message', (message: { type?: unknown }) => {
        if (message.type === READY) resolve();
      });
      worker.once('exit', (code) => reject(new Error(`a worker exited with ${String(code)} while starting`)));
    });
  await Promise.all(Array.from({ length: config.webConcurrency }, (_, slot) => ready(fork(slot))));
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(config.port, config.host, resolve);
  });

  const stop = async (): Promise<number> => {
    stopping = true;
    tcp.close();
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

/** A worker: serves the connections the primary hands it, tells it of its sessions, and that it is ready. */
export function startWorker(io: Server): void {
  const httpServer = io.httpServer;
  process.on('message', (message: { type?: unknown; head?: unknown }, socket?: net.Socket) => {
    if (message.type !== CONNECTION || !socket) return; // a connection closed on the way comes without its socket
    httpServer.emit('connection', socket);
    if (message.head instanceof Uint8Array) socket.unshift(Buffer.from(message.head)); // the bytes the primary read
    socket.resume();
  });
  io.engine.on('connection', (conn: { id: string; once(event: 'close', cb: () => void): void }) => {
    process.send?.({ type: SESSION_OPEN, sid: conn.id });
    conn.once('close', () => process.send?.({ type: SESSION_CLOSED, sid: conn.id }));
  });
  process.send?.({ type: READY });
}
