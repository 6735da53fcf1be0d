/**
 * The chaos run's cluster: a fresh database, a TCP proxy in front of it (and of Redis with the redis
 * adapter) that can cut connections (dev/kit/tcp-proxy.ts), and the server nodes as separate processes,
 * each one's warnings and errors counted from its log, its exit reported when it was not killed.
 */
import {
  createDatabase,
  dropDatabase,
  freePort,
  spawnServer,
  startTcpProxy,
  type SpawnedServer,
  type TcpProxy,
} from '../kit';
import type { ChaosOptions } from './options';
import { bump, short } from './wire';

const JWT_SECRET = 'chaos-secret-chaos-secret-chaos-secret-0123456789';

export class Node {
  server: SpawnedServer | undefined;
  killed = false;
  /** Its warnings and errors by message (from its log, read every second), and the first stack of each. */
  readonly warnings: Record<string, number> = {};
  readonly stacks: Record<string, string> = {};
  private readonly seen = new Set<string>();
  private reader: NodeJS.Timeout | undefined;
  constructor(
    readonly index: number,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly onCrash: (what: string) => void,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = await spawnServer({ env: this.env, port: this.port, timeoutMs: 90_000 });
    this.server = server;
    this.killed = false;
    clearInterval(this.reader);
    this.reader = setInterval(() => this.readLog(), 500);
    void server.exited.then((code) => {
      this.readLog();
      if (!this.killed && this.server === server)
        this.onCrash(
          `node ${this.index} exited with ${code ?? 'a signal'}:\n${server.output().trim().split('\n').slice(-15).join('\n')}`,
        );
    });
  }

  async kill(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.killed = true;
    try {
      process.kill(server.pid, 'SIGKILL');
    } catch {
      // it had exited already (a crash, reported by onCrash)
    }
    await server.exited;
  }

  async stop(): Promise<void> {
    this.killed = true;
    await this.server?.stop();
    clearInterval(this.reader);
    this.readLog();
  }

  /** Counts the warning and error lines (pino JSON) not seen before in what the process printed last. */
  private readLog(): void {
    const lines = this.server?.output().split('\n') ?? [];
    const seenNow = new Set<string>();
    for (const line of lines) {
      if (!line.startsWith('{') || !line.endsWith('}')) continue;
      seenNow.add(line);
      if (this.seen.has(line)) continue;
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string; stack?: string } };
        if ((entry.level ?? 0) < 40) continue;
        const what = `${entry.msg ?? '?'}${entry.err?.message ? `: ${entry.err.message.slice(0, 120)}` : ''}`;
        bump(this.warnings, what);
        if (entry.err?.stack && !Object.hasOwn(this.stacks, what))
          this.stacks[what] = entry.err.stack.split('\n').slice(0, 8).join('\n');
      } catch {
        // a line cut at the start of the kept output
      }
    }
    this.seen.clear();
    for (const line of seenNow) this.seen.add(line);
  }
}

export interface Cluster {
  db: { url: string; name: string };
  dbProxy: TcpProxy;
  redisProxy: TcpProxy | undefined;
  nodes: Node[];
  /** What each node that exited without being killed printed last. */
  crashes: string[];
  /** Stops the nodes and the proxies, and drops the database. */
  close: () => Promise<void>;
}

/** The database, its proxies and the nodes' processes (not started yet: `startNodes`). */
export async function createCluster(o: ChaosOptions): Promise<Cluster> {
  const log = o.log;
  const db = await createDatabase(o.databaseServerUrl, 'todo_chaos');
  const dbTarget = new URL(db.url);
  const dbProxy = await startTcpProxy({ host: dbTarget.hostname, port: Number(dbTarget.port || 5432) });
  let redisProxy: TcpProxy | undefined;
  if (o.adapter === 'redis') {
    const r = new URL(o.redisUrl!);
    redisProxy = await startTcpProxy({ host: r.hostname, port: Number(r.port || 6379) });
  }
  const crashes: string[] = [];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbProxy.through(db.url),
    JWT_SECRET,
    BCRYPT_ROUNDS: '4',
    SOCKET_ADAPTER: o.adapter,
    ...(redisProxy ? { REDIS_URL: redisProxy.through(o.redisUrl!), REDIS_KEY: `chaos-${process.pid}-${short()}` } : {}),
    // the run is many clients from one address, far above one client's allowance
    AUTH_RATE_LIMIT: '1000000',
    SOCKET_EVENTS_PER_SECOND: '10000',
    USER_EVENTS_PER_SECOND: '10000',
    SHARE_RATE_LIMIT: '100000',
    MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS: '100000', // every device reconnects at once when its node restarts
  };
  const nodes: Node[] = [];
  const onCrash = (what: string) => {
    crashes.push(what);
    log(`chaos: ${what}`);
  };
  for (let i = 0; i < o.nodes; i++) nodes.push(new Node(i, await freePort(), env, onCrash));
  const close = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await dbProxy.close();
    await redisProxy?.close();
    await dropDatabase(o.databaseServerUrl, db.name);
  };
  return { db, dbProxy, redisProxy, nodes, crashes, close };
}

/** One node first (it migrates the database), then the others. */
export async function startNodes(nodes: Node[]): Promise<void> {
  await nodes[0].start();
  await Promise.all(nodes.slice(1).map((n) => n.start()));
}
