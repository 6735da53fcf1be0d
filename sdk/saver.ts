/**
 * Keeps the replica and the queue stored: the queue written as it changes (so before each change is
 * sent), the replica 300 ms after a change, both at once on close() or when a page is hidden; and
 * reads them back when a client starts.
 */
import type { Queue, StoredQueue } from './queue';
import type { Replica, StoredReplica } from './replica';
import type { StoredSession } from './session';
import { FORMAT, KEYS, parse, type Store } from './store';

const REPLICA_SAVE_MS = 300;

export interface SaverOwner {
  /** Whose replica and queue these are; undefined: no session, nothing is written. */
  userId(): string | undefined;
  closed(): boolean;
}

/** A browser page's globals used (the repo's lib has no DOM types). */
interface PageGlobals {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
  document?: { visibilityState?: string };
}

export class Saver {
  private replicaTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly page: PageGlobals | undefined;

  constructor(
    private readonly store: Store,
    private readonly replica: Replica,
    private readonly queue: Queue,
    private readonly owner: SaverOwner,
  ) {
    // in a browser: what is not written yet is written when the page is hidden or left (a reload, a closed tab)
    const page = globalThis as Partial<PageGlobals>;
    if (typeof page.addEventListener === 'function' && typeof page.removeEventListener === 'function') {
      this.page = page as PageGlobals;
      this.page.addEventListener('pagehide', this.onHide);
      this.page.addEventListener('visibilitychange', this.onHide);
    }
  }

  private readonly onHide = (): void => {
    if (this.owner.closed()) return;
    if (this.page?.document?.visibilityState === 'visible') return;
    this.flush();
  };

  /**
   * Reads the stored session, and the replica and queue into `replica` and `queue` if they are that
   * session's user's; undefined (nothing read) when no session is stored.
   */
  async load(): Promise<StoredSession | undefined> {
    const [s, r, q] = await Promise.all([KEYS.session, KEYS.replica, KEYS.queue].map((k) => this.store.storage.get(k)));
    const session = parse(s) as StoredSession | undefined;
    if (!session?.user.id || !session.token) return undefined;
    this.replica.load(parse(r) as StoredReplica | undefined, session.user.id, FORMAT);
    this.queue.load(parse(q) as StoredQueue | undefined, session.user.id, FORMAT);
    return session;
  }

  /** Forgets the stored replica and queue (a logout, or another user's login). */
  forget(): void {
    this.store.write(KEYS.replica, undefined);
    this.store.write(KEYS.queue, undefined);
  }

  /** Writes the last state now and stops (the client is closed). */
  close(): void {
    this.page?.removeEventListener('pagehide', this.onHide);
    this.page?.removeEventListener('visibilitychange', this.onHide);
    this.flush();
  }

  private replicaJson(): string {
    return JSON.stringify(this.replica.stored(this.owner.userId(), FORMAT));
  }

  private queueJson(): string {
    return JSON.stringify(this.queue.stored(this.owner.userId(), FORMAT));
  }

  /** Writes the queue at once (its JSON is made when the write runs, once for a burst of changes). */
  queueSoon(): void {
    const userId = this.owner.userId();
    if (userId === undefined || this.owner.closed()) return;
    this.store.write(KEYS.queue, () => (this.owner.userId() === userId ? this.queueJson() : undefined));
  }

  /** Writes the replica soon (once for the changes of the next 300 ms). */
  replicaSoon(): void {
    if (this.replicaTimer !== undefined || this.owner.closed() || this.owner.userId() === undefined) return;
    this.replicaTimer = setTimeout(() => {
      this.replicaTimer = undefined;
      if (this.owner.userId() === undefined || this.owner.closed()) return;
      this.replica.dirty = false;
      this.store.write(KEYS.replica, this.replicaJson());
    }, REPLICA_SAVE_MS);
  }

  /** Writes the last state now, not waiting for the debounce (a client made next from the same storage reads it). */
  flush(): void {
    clearTimeout(this.replicaTimer);
    this.replicaTimer = undefined;
    if (this.owner.userId() !== undefined) {
      this.store.stage(KEYS.queue, this.queueJson());
      if (this.replica.dirty) {
        this.store.stage(KEYS.replica, this.replicaJson());
        this.replica.dirty = false;
      }
    }
    this.store.flush();
  }
}
