/**
 * One load run's session (bench/load.ts): its parameters, its one deadline (BENCH_MAX_SECONDS) and
 * the sockets open now, closed together.
 */
import type { Socket } from 'socket.io-client';
import { device } from './common';
import type { Params } from './load-params';

/** The run's one deadline, and the sockets open now (closed together). */
export class Session {
  readonly deadline: number;
  readonly open = new Set<Socket>();

  constructor(readonly P: Params) {
    this.deadline = Date.now() + P.maxSeconds * 1000;
  }

  readonly overdue = () => Date.now() > this.deadline;

  /** `p`, or a rejection once the deadline has passed. */
  async bounded<T>(p: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        p,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${what}: past the ${this.P.maxSeconds} s deadline (BENCH_MAX_SECONDS)`)),
            Math.max(0, this.deadline - Date.now()),
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  readonly connect = async (url: string, token: string) => {
    const s = await device(url, token);
    this.open.add(s);
    return s;
  };

  closeAll(): void {
    this.open.forEach((s) => s.close());
    this.open.clear();
  }
}
