/**
 * Every core of one machine (WEB_CONCURRENCY > 1). This process, the primary, listens on the port and
 * hands each TCP connection to one of N worker processes, each a whole server (server/index.ts). It
 * reads only the connection's first bytes, up to the end of the request line: a request naming an
 * Engine.IO session (`sid=`) goes to the worker that holds it, which the session id itself names (so
 * HTTP long-polling works), any other to the next worker in turn. Those bytes go along with the
 * connection itself; the primary stops reading at once, so the rest waits in the kernel for the
 * worker, and the worker sees the client's own address (rate limits, logs). (The ready-made
 * @socket.io/sticky was tried first: under a burst of connections about one in a few hundred lost its
 * Socket.IO CONNECT packet.) Between the workers the configured adapter relays: with
 * SOCKET_ADAPTER=cluster, this process over IPC.
 *
 * One request a connection: a worker answers every HTTP request with `Connection: close`. The primary
 * routes a connection once, by its first request, so a kept-alive connection's later requests would all
 * reach that worker, whatever session they name (a browser reuses its connections across its tabs'
 * sessions and the static files: "Session ID unknown"). Routing each request instead would make the
 * primary an HTTP proxy that parses and copies every byte; a new connection per request costs a
 * loopback or LAN handshake and keeps the primary as simple as it is. WebSockets are unaffected: an
 * upgrade names its session in its one request, and then stays where it was routed.
 *
 * Timeouts, as in a single process: a connection that sends nothing is closed by the primary after
 * REQUEST_TIMEOUT_MS; once handed over, the worker's HTTP server gives it REQUEST_TIMEOUT_MS again for
 * its whole request (Node's headersTimeout and requestTimeout, server/app.ts), which Node starts only
 * on `listening`: a worker never listens (the primary does), so it is told it does.
 *
 * A worker that dies is replaced (at most 10 times a minute, then the whole group stops with exit 1);
 * while it starts, its clients are spread over the others. stop(): no new connections; each worker
 * gets SIGTERM, closes its sockets (clients reconnect), finishes what is in flight and exits; resolves
 * with 0 when every worker exited 0.
 */
import cluster, { type Worker } from 'node:cluster';
import crypto from 'node:crypto';
import type http from 'node:http';
import net from 'node:net';
import { setupPrimary } from '@socket.io/cluster-adapter';
import type { Server } from 'socket.io';
import type { Config } from './core/config';
import type { Logger } from './core/logger';

const READY = 'todo:ready';
const CONNECTION = 'todo:connection';
const RESTARTS_PER_MINUTE = 10;
/** The primary reads a connection up to the end of its request line, or this many bytes. */
const HEAD_MAX = 8 * 1024;
/** An Engine.IO session id in a request line: `<worker id>.<20 random characters>` (see startWorker). */
const SID = /[?&]sid=(\d{1,9})\.[\w-]{20}(?:&|\s)/;

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
  let turn = 0;
  /** The worker of a session (its id begins with the worker's id), or for a new client the next one in turn. */
  const pick = (workerId: number | undefined): { worker: Worker; ready: boolean } | undefined => {
    const held = slots.find((slot) => slot.worker.id === workerId);
    if (held?.ready) return held;
    const ready = slots.filter((slot) => slot.ready);
    return ready[turn++ % ready.length]; // a new client: the next worker in turn
  };
  const tcp = net.createServer({ pauseOnConnect: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    // a connection that sends nothing, or not even its request line, is closed (the worker times the rest)
    socket.setTimeout(config.requestTimeoutMs, () => socket.destroy());
    const ended = () => socket.destroy(); // before its request line
    socket.once('end', ended);
    let head = Buffer.alloc(0);
    const read = () => {
      const chunk = socket.read() as Buffer | null;
      if (chunk) head = Buffer.concat([head, chunk]);
      const lineEnd = head.indexOf('\r\n');
      if (lineEnd < 0 && head.length < HEAD_MAX) return; // the request line, where `sid` is, is not all here yet
      // the rest stays in the kernel for the worker to read
      (socket as unknown as { _handle?: { readStop(): number } })._handle?.readStop();
      socket.off('readable', read);
      socket.off('end', ended);
      socket.setTimeout(0);
      const line = head.subarray(0, Math.max(0, lineEnd)).toString('latin1');
      const sid = SID.exec(line);
      const target = pick(sid ? Number(sid[1]) : undefined);
      if (!target) {
        socket.destroy();
        return;
      }
      target.worker.send({ type: CONNECTION, head }, socket, (err) => {
        if (err) socket.destroy();
      });
    };
    socket.on('readable', read);
  });

  let stopping = false;
  let fail: (code: number) => void = () => undefined;
  const failed = new Promise<number>((resolve) => (fail = resolve));
  const restarts: number[] = [];
  const fork = (slot: number): Worker => {
    const worker = cluster.fork(env);
    slots[slot] = { worker, ready: false };
    worker.on('message', (message: { type?: unknown }) => {
      if (slots[slot]?.worker === worker && message.type === READY) slots[slot].ready = true;
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
    if (slot >= 0) fork(slot); // its sessions are gone: their requests go to any worker, which answers "Session ID unknown"
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

/** A worker: serves the connections the primary hands it, and tells it that it is ready. */
export function startWorker(io: Server): void {
  const httpServer = io.httpServer;
  // a session's id names its worker, so that the primary routes its requests with no table to keep (and
  // none to race: the client may send its next request before any message from here reached the primary)
  const workerId = cluster.worker?.id ?? 0;
  io.engine.generateId = () => `${String(workerId)}.${crypto.randomBytes(15).toString('base64url')}`;
  // one request a connection (see above): the next one, whatever session it names, is routed anew
  httpServer.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.shouldKeepAlive = false;
  });
  // what Node does once a server listens: it starts checking its connections' request timeouts
  httpServer.emit('listening');
  process.on('message', (message: { type?: unknown; head?: unknown }, socket?: net.Socket) => {
    if (message.type !== CONNECTION || !socket) return; // a connection closed on the way comes without its socket
    httpServer.emit('connection', socket);
    if (message.head instanceof Uint8Array) socket.unshift(Buffer.from(message.head)); // the bytes the primary read
    socket.resume();
  });
  process.send?.({ type: READY });
}
