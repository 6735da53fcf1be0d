/**
 * The server as its own process, as the tests and the bench start it: `node --import tsx
 * server/index.ts` in the project folder, on a free loopback port, ready once GET /health answers.
 */
import { spawn } from 'node:child_process';
import { freePort } from '../../server/core/free-port';
import { projectRoot } from '../../server/core/paths';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000; // the server forces its own exit after 10 s
const OUTPUT_KEPT = 16_000;

export interface SpawnedServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  pid: number;
  /** Resolves with the exit code (null when a signal ended it) once the process has exited. */
  exited: Promise<number | null>;
  /** The end of what it printed (stdout and stderr), for failure messages. */
  output: () => string;
  /** SIGTERM, then SIGKILL if it has not exited within 15 s; resolves with the exit code. A function, not a method: it may be passed around. */
  stop: () => Promise<number | null>;
}

export interface SpawnOptions {
  /** The whole environment of the process (not merged with process.env); PORT and HOST are set here. */
  env: NodeJS.ProcessEnv;
  /** Default: a free one. */
  port?: number;
  /** How long to wait for GET /health (default 60 s). */
  timeoutMs?: number;
}

/** Starts the server on 127.0.0.1 and resolves once GET /health answers 200; rejects (and kills it) otherwise. */
export async function spawnServer({ env, port, timeoutMs = START_TIMEOUT_MS }: SpawnOptions): Promise<SpawnedServer> {
  port ??= await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    cwd: projectRoot,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-OUTPUT_KEPT);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let spawnError: Error | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      resolve(child.exitCode);
    });
    child.once('exit', (code) => resolve(code));
  });
  const running = () => child.exitCode === null && child.signalCode === null && !spawnError;
  const stop = async (): Promise<number | null> => {
    if (!running()) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!running()) {
      const code = await exited;
      throw new Error(
        `the server ${spawnError ? `could not run: ${spawnError.message}` : `exited with ${code ?? child.signalCode ?? 'no exit code'}`} before answering /health:\n${out.trim()}`,
      );
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.ok && running()) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`the server did not answer /health within ${timeoutMs / 1000} s:\n${out.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, pid: child.pid!, exited, output: () => out, stop };
}
