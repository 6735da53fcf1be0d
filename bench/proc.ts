/**
 * CPU and memory accounting from /proc (Linux; undefined where it cannot be read), for the load mode
 * of `npm run bench` (bench/load.ts): a process group's CPU seconds and resident memory, the CPU of
 * one database's PostgreSQL backends, the whole machine's busy time, and this process's own CPU.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';
import type { BenchDatabase } from './common';

const HZ = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch {
    return 100;
  }
})();

/** The process and its children (a WEB_CONCURRENCY group's workers). */
function group(pid: number): number[] {
  try {
    return [
      pid,
      ...fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number),
    ];
  } catch {
    return [pid];
  }
}

/** utime + stime of a process and its children now running, in seconds. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    let total = 0;
    for (const p of group(pid)) {
      const s = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) / HZ;
    }
    return total;
  } catch {
    return undefined;
  }
}

function isPostgres(pid: number): boolean {
  try {
    return (
      fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres' ||
      fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('postgres')
    );
  } catch {
    return false;
  }
}

/** Resident memory of a process and its children, in MB. */
export function rssMB(pid: number, key: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | undefined {
  try {
    let kb = 0;
    for (const p of group(pid)) {
      const m = new RegExp(`${key}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      kb += m ? Number(m[1]) : 0;
    }
    return kb / 1024;
  } catch {
    return undefined;
  }
}

const LOCAL_HOSTS = new Set(['', 'localhost', '127.0.0.1', '[::1]']);

/**
 * CPU of the PostgreSQL backends of one database: their pids from pg_stat_activity, sampled every
 * 250 ms (a pool may close and open connections meanwhile), each counted from its first sample (or
 * from 0 when it appeared during the window). Undefined, with a reason, when PostgreSQL runs on
 * another host or its processes are not visible here (another container, another pid namespace).
 */
export class PgCpu {
  private readonly base = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private first = true;
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> = Promise.resolve();
  reason: string | undefined;

  private constructor(
    private readonly client: pg.Client | undefined,
    private readonly database: string,
  ) {}

  static async open(db: BenchDatabase): Promise<PgCpu> {
    if (!LOCAL_HOSTS.has(new URL(db.serverUrl).hostname) || !fs.existsSync('/proc/self/stat')) {
      const cpu = new PgCpu(undefined, db.name);
      cpu.reason = 'PostgreSQL on another host';
      return cpu;
    }
    const client = new pg.Client({ connectionString: db.serverUrl, application_name: 'todo-bench-monitor' });
    await client.connect();
    client.on('error', () => undefined);
    return new PgCpu(client, db.name);
  }

  /** Starts a window. */
  start(): void {
    this.base.clear();
    this.last.clear();
    this.first = true;
    this.sampling = this.sample();
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample());
    }, 250);
  }

  /** Ends the window: CPU seconds of the database's backends, or undefined (see `reason`). */
  async stop(): Promise<number | undefined> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sample();
    if (!this.client) return undefined;
    if (!this.base.size) {
      this.reason ??= 'PostgreSQL processes not readable here';
      return undefined;
    }
    let sum = 0;
    for (const [pid, cpu] of this.last) sum += cpu - this.base.get(pid)!;
    return sum;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.client?.end().catch(() => undefined);
  }

  private async sample(): Promise<void> {
    if (!this.client) return;
    let pids: number[];
    try {
      const { rows } = await this.client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
        this.database,
      ]);
      pids = rows.map((r) => r.pid);
    } catch {
      return;
    }
    for (const pid of pids) {
      if (!this.base.has(pid) && !isPostgres(pid)) continue;
      const cpu = cpuSeconds(pid);
      if (cpu === undefined) continue;
      if (!this.base.has(pid)) this.base.set(pid, this.first ? cpu : 0);
      this.last.set(pid, cpu);
    }
    this.first = false;
  }
}

/** Busy CPU seconds of the whole machine (user..softirq less idle and iowait); NaN without /proc. */
export function machineBusy(): number {
  try {
    const v = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 8).map(Number);
    return (v.reduce((a, b) => a + b) - v[3] - v[4]) / HZ;
  } catch {
    return NaN;
  }
}

export const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
