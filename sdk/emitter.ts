/** The client's events and per-list subscriptions; an app callback that throws does not break the client. */
import type { ClientEvents } from './types';

/** Calls `fn`; what it throws is thrown again on its own (on a 0 ms timer), not into the caller. */
export function safely(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    setTimeout(() => {
      throw err;
    }, 0);
  }
}

export class Emitter {
  private readonly listeners = new Map<keyof ClientEvents, Set<(...args: never[]) => void>>();

  on<E extends keyof ClientEvents>(event: E, cb: ClientEvents[E]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const entry = cb as (...args: never[]) => void;
    set.add(entry);
    return () => set.delete(entry);
  }

  emit<E extends keyof ClientEvents>(event: E, ...args: Parameters<ClientEvents[E]>): void {
    for (const cb of [...(this.listeners.get(event) ?? [])])
      safely(() => (cb as unknown as (...a: Parameters<ClientEvents[E]>) => void)(...args));
  }
}

/** Callbacks per key (a list's id), each called with the key's current value. */
export class Subscriptions<T> {
  private readonly subs = new Map<string, Set<(value: T) => void>>();

  /** Adds `cb` under `key` and calls it with `now`; returns the function that removes it. */
  add(key: string, cb: (value: T) => void, now: T): () => void {
    let subs = this.subs.get(key);
    if (!subs) this.subs.set(key, (subs = new Set()));
    const entry = (value: T) => cb(value);
    subs.add(entry);
    cb(now);
    return () => {
      subs.delete(entry);
      if (subs.size === 0 && this.subs.get(key) === subs) this.subs.delete(key);
    };
  }

  /** Calls the callbacks of `key`, if any, with the value `make()` gives (made only then). */
  notify(key: string, make: () => T): void {
    const subs = this.subs.get(key);
    if (!subs) return;
    const value = make();
    for (const cb of [...subs]) safely(() => cb(value));
  }
}
