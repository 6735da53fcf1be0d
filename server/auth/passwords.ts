/**
 * Password hashing with its own bounded concurrency. bcrypt runs on libuv's thread pool (4 threads
 * unless UV_THREADPOOL_SIZE says otherwise), which static files, fs and DNS share: a flood of logins
 * used to queue there in front of every page load. Here at most PASSWORD_HASH_CONCURRENCY hashes run
 * at once, at most PASSWORD_HASH_QUEUE more wait their turn (first come, first served), and beyond that
 * register and login are answered `unavailable` at once, without hashing; auth.middleware.ts's
 * `unlessHashingIsFull` refuses them so even before they read the database.
 */
import bcrypt from 'bcrypt';
import { AppError } from '../core/errors';

/** The refusal when hashing is full: try again in a second (`Retry-After: 1`). */
export function hashingBusy(): AppError {
  const err = new AppError('unavailable', 'Too many passwords are being checked: try again in a moment');
  err.retryAfter = 1;
  return err;
}

export class Passwords {
  private running = 0;
  /** The waiters, first come first served; each is handed a slot when one frees. */
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly rounds: number,
    private readonly concurrency: number,
    private readonly queue: number,
  ) {}

  /** The bcrypt hash of `password` at the configured cost. */
  hash(password: string): Promise<string> {
    return this.run(() => bcrypt.hash(password, this.rounds));
  }

  /** Whether `password` matches `hash`. */
  compare(password: string, hash: string): Promise<boolean> {
    return this.run(() => bcrypt.compare(password, hash));
  }

  /** Whether a job asked for now would be refused (every slot taken and the queue full). */
  get full(): boolean {
    return this.running >= this.concurrency && this.waiting.length >= this.queue;
  }

  /** Runs `job` in a hashing slot: now, after a wait in the queue, or not at all (`unavailable`) when the queue is full. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) this.running += 1;
    else if (this.waiting.length < this.queue) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else throw hashingBusy();
    try {
      return await job();
    } finally {
      // the slot goes straight to the next waiter, so `running` never counts one that is not running
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
