/**
 * Writes to a ClientStorage: each key holds its latest value, written in call order, a burst of
 * changes serialised once (a value given as a function is made when its write runs).
 */
import { noop } from './errors';
import type { ClientStorage } from './storage';

export const KEYS = {
  session: 'todo.session',
  replica: 'todo.replica',
  queue: 'todo.queue',
  device: 'todo.device',
} as const;
/** The stored replica's and queue's format. */
export const FORMAT = 1;

type Value = string | undefined | (() => string | undefined);

/** Parses stored JSON; undefined when missing or unreadable. */
export function parse(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export class Store {
  /** What each key is to hold (made when written, so a burst is serialised once). */
  private readonly latest = new Map<string, () => string | undefined>();
  private writes: Promise<void> = Promise.resolve();

  constructor(readonly storage: ClientStorage) {}

  /** Writes `value` (undefined: removes) under `key`; writes go in call order, each with its key's latest value. */
  write(key: string, value: Value): void {
    this.latest.set(key, typeof value === 'function' ? value : () => value);
    this.writes = this.writes.then(async () => {
      const make = this.latest.get(key);
      if (!make) return;
      this.latest.delete(key);
      const v = make();
      await (v === undefined ? this.storage.remove(key) : this.storage.set(key, v)).catch(noop);
    });
  }

  /** Sets what `key` is to hold without queueing a write (flush() writes it). */
  stage(key: string, value: string): void {
    this.latest.set(key, () => value);
  }

  /** Resolves once every write called so far is done. */
  written(): Promise<void> {
    return this.writes;
  }

  /** Starts every staged or pending write now, not waiting for those before it. */
  flush(): void {
    for (const [key, make] of this.latest) {
      const value = make();
      void (value === undefined ? this.storage.remove(key) : this.storage.set(key, value)).catch(noop);
    }
    this.latest.clear();
  }
}
