/**
 * Expensive reads (a `sync` page, a task page): at most `atOnce` of one user run at once in this
 * process, so that one user never holds more than that many of the pool's connections for reads,
 * however many sockets and requests they send. A read waits for a slot of its user, at most
 * READ_WAIT_MS and behind at most READ_QUEUE others; past either it is `rate_limited`. Waiting holds
 * no database connection. A read costs its user one event per READ_UNIT_MS it ran (the server's time
 * is what it costs everyone else), on top of what its answer costs by size (rates.ts answerCost).
 */
import { AppError } from './errors';
import type { Rates } from './rates';

/** How long a read waits for a slot of its user before it is refused. */
export const READ_WAIT_MS = 5_000;
/** Reads of one user that may wait at once (more are refused at once). */
export const READ_QUEUE = 50;
/** A read costs one of its user's events per this many milliseconds it ran. */
export const READ_UNIT_MS = 2;

interface Slots {
  running: number;
  /** Reads waiting, first come first served: each is handed a slot by the read that ends. */
  waiting: Array<() => void>;
}

const busy = () => new AppError('rate_limited', 'Too many reads of this account at once, try again shortly');

export class ReadSlots {
  private readonly users = new Map<string, Slots>();

  /**
   * `rates`: the user's budget, checked when a read's turn comes (the answers made meanwhile may have
   * spent it), and charged the read's time after it.
   */
  constructor(
    private readonly atOnce: number,
    private readonly rates: Pick<Rates, 'checkEvents' | 'chargeEvent'>,
    private readonly waitMs = READ_WAIT_MS,
  ) {}

  /**
   * Runs `read` in one of the user's slots, after waiting for one (bounded); throws `rate_limited` if
   * none comes, or if the user's budget is below zero when it does. Then charges the time it ran.
   */
  async run<T>(userId: string, read: () => Promise<T>): Promise<T> {
    await this.acquire(userId);
    try {
      await this.rates.checkEvents(userId);
      const started = performance.now();
      try {
        return await read();
      } finally {
        const units = Math.floor((performance.now() - started) / READ_UNIT_MS);
        await this.rates.chargeEvent(userId, units).catch(() => undefined); // a charge lost costs nobody else
      }
    } finally {
      this.release(userId);
    }
  }

  /** Reads of `userId` running now, and waiting for a slot. */
  state(userId: string): { running: number; waiting: number } {
    const slots = this.users.get(userId);
    return { running: slots?.running ?? 0, waiting: slots?.waiting.length ?? 0 };
  }

  private acquire(userId: string): Promise<void> {
    let slots = this.users.get(userId);
    if (!slots) {
      slots = { running: 0, waiting: [] };
      this.users.set(userId, slots);
    }
    if (slots.running < this.atOnce) {
      slots.running += 1;
      return Promise.resolve();
    }
    if (slots.waiting.length >= READ_QUEUE) return Promise.reject(busy());
    const mine = slots;
    return new Promise<void>((resolve, reject) => {
      const granted = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        mine.waiting.splice(mine.waiting.indexOf(granted), 1);
        reject(busy());
      }, this.waitMs);
      mine.waiting.push(granted);
    });
  }

  /** The slot goes to the first read waiting, if any (the count stays), else it is freed. */
  private release(userId: string): void {
    const slots = this.users.get(userId)!;
    const next = slots.waiting.shift();
    if (next) {
      next();
      return;
    }
    slots.running -= 1;
    if (slots.running === 0) this.users.delete(userId);
  }
}
