/**
 * The queue: the changes made here and not yet answered, in order, each with the mutationId it is sent
 * (and sent again) with, and the promise its caller waits on; then the answered ones whose effect may
 * not be in the replica yet. It sends nothing: the client takes its head, and tells it acked or refused.
 */
import type { ClientEventName, ClientToServerEvents } from '../shared/events';
import { noop, TodoClientError } from './errors';
import type { ClientError } from './types';

export type Payload<E extends ClientEventName> = Parameters<ClientToServerEvents[E]>[0];

/** The events that are queued (shown at once, sent when connected). */
export type QueuedEvent =
  | 'list:create'
  | 'list:rename'
  | 'list:delete'
  | 'task:create'
  | 'task:update'
  | 'task:delete'
  | 'task:restore'
  | 'comment:create'
  | 'comment:update'
  | 'comment:delete';

/** A queued mutation: the exact payload sent (and sent again) until answered. */
export interface MutationOf<E extends QueuedEvent> {
  event: E;
  payload: Payload<E> & { mutationId: string };
  /** When it was made (the optimistic createdAt/updatedAt). */
  at: string;
  /** The version its answer gave the task (acknowledged, its effect maybe not in the replica yet). */
  ackVersion?: number;
  /** Answers `internal` so far (given up after a few). */
  failures?: number;
}

export type Mutation = { [E in QueuedEvent]: MutationOf<E> }[QueuedEvent];

/** The queue as stored. */
export interface StoredQueue {
  v: number;
  userId: string | undefined;
  queue: Mutation[];
}

interface Waiter {
  resolve(value: unknown): void;
  reject(err: ClientError): void;
}

export class Queue {
  /** Unanswered, in the order made. */
  private pending: Mutation[] = [];
  /** Answered, their effect maybe not in the replica yet (the view still replays them). */
  private answered: Mutation[] = [];
  private readonly waiters = new Map<string, Waiter>();

  /** The unanswered mutations. */
  get length(): number {
    return this.pending.length;
  }

  /** Some answered mutations are still replayed. */
  get hasAnswered(): boolean {
    return this.answered.length > 0;
  }

  /** The next to send. */
  head(): Mutation | undefined {
    return this.pending[0];
  }

  /** Everything the view replays: the answered, then the unanswered, in order. */
  all(): Mutation[] {
    return [...this.answered, ...this.pending];
  }

  /** Queues `m`; its promise settles when the server answers (or a logout drops it). */
  add<T>(m: Mutation): Promise<T> {
    const p = new Promise<T>((resolve, reject) => {
      this.waiters.set(m.payload.mutationId, { resolve, reject });
    });
    p.catch(noop); // an app that ignores the promise gets no unhandled rejection (the 'error' event tells)
    this.pending.push(m);
    return p;
  }

  /** The head was acknowledged: kept for the view until its effect is in the replica; returns its waiter. */
  acked(m: Mutation): Waiter | undefined {
    const waiter = this.waiters.get(m.payload.mutationId);
    this.pending.shift();
    this.answered.push(m);
    this.waiters.delete(m.payload.mutationId);
    return waiter;
  }

  /** The head was refused: gone (the view no longer replays it); returns its waiter. */
  refused(m: Mutation): Waiter | undefined {
    const waiter = this.waiters.get(m.payload.mutationId);
    this.pending.shift();
    this.waiters.delete(m.payload.mutationId);
    return waiter;
  }

  /** The answered mutations' effects are in the replica now; true if there were any. */
  settle(): boolean {
    if (this.answered.length === 0) return false;
    this.answered = [];
    return true;
  }

  /** Drops everything (a logout, or another user's login): the callers' promises reject 'cancelled'. */
  clear(): void {
    const dropped = [...this.pending, ...this.answered];
    this.pending = [];
    this.answered = [];
    for (const m of dropped) {
      const waiter = this.waiters.get(m.payload.mutationId);
      this.waiters.delete(m.payload.mutationId);
      waiter?.reject(new TodoClientError('cancelled', 'Dropped by logout', undefined, undefined, m.event));
    }
  }

  /** Takes a stored queue in, if it is `userId`'s and of this format. */
  load(stored: StoredQueue | undefined, userId: string, format: number): void {
    if (stored?.v === format && stored.userId === userId) this.pending = stored.queue;
  }

  stored(userId: string | undefined, format: number): StoredQueue {
    return { v: format, userId, queue: [...this.answered, ...this.pending] };
  }
}
