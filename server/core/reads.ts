/**
 * Expensive reads (a `sync` page, a task page): at most `atOnce` of one user run at once in this
 * process, so that one user never holds more than that many of the pool's connections for reads,
 * however many sockets and requests they send. A read waits for a slot of its user, at most
 * READ_WAIT_MS and behind at most READ_QUEUE others; past either it is `rate_limited`. Waiting holds
 * no database connection.
 */
import { AppError } from './errors';

/** How long a read waits for a slot of its user before it is refused. */
export const READ_WAIT_MS = 5_000;
/** Reads of one user that may wait at once (more are refused at once). */
export const READ_QUEUE = 50;

interface Slots {
  running: number;
  /** Reads waiting, first come first served: each is handed a slot by the read that ends. */
  waiting: Array<() => void>;
}

const busy = () => new AppError('rate_limited', 'Too many reads of this account at once, try again shortly');

export class ReadSlots {
  private readonly users = new Map<string, Slots>();

  constructor(
    private readonly atOnce: number,
    private readonly waitMs = READ_WAIT_MS,
  ) {}

  /** Runs `read` in one of the user's slots (after waiting for one, bounded); throws `rate_limited` if none comes. */
  async run<T>(userId: string, read: () => Promise<T>): Promise<T> {
    await this.acquire(userId);
    try {
      return await read();
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
