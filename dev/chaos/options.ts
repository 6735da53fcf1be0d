/**
 * What a chaos run is asked to do (dev/chaos/index.ts): its options, their defaults, the fault kinds
 * and the default cycle of them; and the run's control (its log, its clock, stopping early).
 */
export const FAULT_KINDS = ['kill', 'db', 'commit', 'answer', 'lost', 'redis'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ChaosOptions {
  /** A PostgreSQL server's URL: the run makes its own database there and drops it at the end. */
  databaseServerUrl: string;
  adapter: 'postgres' | 'redis';
  /** Redis for adapter redis (its connections go through a proxy). */
  redisUrl?: string;
  nodes: number;
  sockets: number;
  users: number;
  /** How long mutations and faults go on. */
  seconds: number;
  /** Mutations a second over all devices. */
  rate: number;
  /** Random disconnects a second over all devices. */
  dropsPerSecond: number;
  /** The faults, in order, spread over the run. */
  faults: FaultKind[];
  /** How long a db or redis cut lasts, and a killed node stays down. */
  outageMs: number;
  /** After the outboxes drain: how long the devices get to hold the database's state. */
  convergeMs: number;
  /** Progress lines. */
  log: (line: string) => void;
  /** Ends the run early (the nodes are stopped and the database dropped all the same). */
  signal?: AbortSignal;
}

export const DEFAULTS = {
  adapter: 'postgres',
  nodes: 3,
  sockets: 300,
  users: 60,
  seconds: 60,
  rate: 50,
  outageMs: 2_000,
  convergeMs: 20_000,
} as const;

/** Faults for a run of `seconds`: the cycle kill, db, commit, answer, lost (, redis) repeated, one about every 10 s. */
export function defaultFaults(seconds: number, adapter: 'postgres' | 'redis'): FaultKind[] {
  const cycle: FaultKind[] =
    adapter === 'redis'
      ? ['kill', 'db', 'redis', 'commit', 'answer', 'lost']
      : ['kill', 'db', 'commit', 'answer', 'lost'];
  const n = Math.max(cycle.length, Math.floor(seconds / 10));
  return Array.from({ length: n }, (_, i) => cycle[i % cycle.length]);
}

/** Throws for options the run cannot honour. */
export function checkOptions(o: ChaosOptions): void {
  if (o.users < 4) throw new Error('at least 4 users');
  if (o.users > 99) throw new Error('at most 99 users (each is a member of the canary list, 100 members at most)');
  if (o.sockets < o.users) throw new Error('at least one socket per user');
  if (o.adapter === 'redis' && !o.redisUrl) throw new Error('the redis adapter needs a Redis URL');
}

/** The run's log, clock and stop: every phase takes one. */
export interface Control {
  readonly o: ChaosOptions;
  log: (line: string) => void;
  /** Seconds since the run started. */
  elapsed: () => number;
  aborted: () => boolean;
  /** Throws when the run was stopped. */
  stillOn: () => void;
  /** Waits `ms`, or less when the run is stopped. */
  nap: (ms: number) => Promise<void>;
}

export function control(o: ChaosOptions, started = Date.now()): Control {
  const aborted = () => o.signal?.aborted === true;
  return {
    o,
    log: o.log,
    elapsed: () => (Date.now() - started) / 1000,
    aborted,
    stillOn: () => {
      if (aborted()) throw new Error('the chaos run was stopped');
    },
    nap: (ms: number) =>
      new Promise<void>((resolve) => {
        if (aborted()) {
          resolve();
          return;
        }
        const done = () => {
          clearTimeout(timer);
          o.signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        o.signal?.addEventListener('abort', done, { once: true });
      }),
  };
}
