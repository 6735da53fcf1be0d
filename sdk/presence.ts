/**
 * Presence subscriptions: `client.presence(listId, cb, taskId?)` joins the list (`presence:join`) while at
 * least one subscription of it is held, calls `cb` with everyone present (the join's ack, then each
 * `presence:state`), joins again after every reconnect (the server keeps nothing across one), and leaves
 * (`presence:leave`) when the last one is dropped. Several subscriptions of one list share one join; its
 * `taskId` is the one of the latest subscription or move. Nothing is stored: presence is online only.
 */
import type { PresenceHandle } from './types';
import type { AckData, PresenceState } from '../shared/events';
import type { Ack, ApiError, Presence } from '../shared/types';
import { safely } from './emitter';

export interface PresenceDelegate {
  connected(): boolean;
  call<E extends 'presence:join' | 'presence:leave'>(
    event: E,
    payload: E extends 'presence:join' ? { listId: string; taskId: string | null } : { listId: string },
  ): Promise<Ack<AckData<E>>>;
  /** A join was refused (`not_found`: not a member, or not a task of the list; `limit_exceeded`). */
  refused(listId: string, error: ApiError): void;
}

interface Joined {
  taskId: string | null;
  present: Presence[];
  subs: Set<(present: Presence[]) => void>;
}

export class PresenceSubscriptions {
  private readonly lists = new Map<string, Joined>();

  constructor(private readonly d: PresenceDelegate) {}

  add(listId: string, cb: (present: Presence[]) => void, taskId: string | null = null): PresenceHandle {
    let joined = this.lists.get(listId);
    const first = !joined;
    if (!joined) this.lists.set(listId, (joined = { taskId, present: [], subs: new Set() }));
    const entry = (present: Presence[]) => cb(present);
    joined.subs.add(entry);
    if (!first && joined.present.length) safely(() => cb(joined.present));
    if (first || joined.taskId !== taskId) this.join(listId, (joined.taskId = taskId));
    const stop = () => {
      const now = this.lists.get(listId);
      if (now !== joined || !now.subs.delete(entry) || now.subs.size) return;
      this.lists.delete(listId);
      if (this.d.connected()) this.d.call('presence:leave', { listId }).catch(() => undefined);
    };
    return Object.assign(stop, {
      move: (to: string | null) => {
        if (this.lists.get(listId) !== joined || !joined.subs.has(entry) || joined.taskId === to) return;
        this.join(listId, (joined.taskId = to));
      },
    });
  }

  /** Connected (again): every list held is joined anew. */
  rejoin(): void {
    for (const [listId, joined] of this.lists) this.join(listId, joined.taskId);
  }

  /** A `presence:state` came. */
  state({ listId, present }: PresenceState): void {
    this.tell(listId, present);
  }

  /** Everyone present in a list subscribed, as last heard (empty before the first answer). */
  present(listId: string): Presence[] {
    return this.lists.get(listId)?.present ?? [];
  }

  private join(listId: string, taskId: string | null): void {
    if (!this.d.connected()) return; // rejoin() on connect
    this.d.call('presence:join', { listId, taskId }).then(
      (ack) => {
        if (ack.ok) this.tell(listId, ack.data.present);
        else if (this.lists.has(listId)) this.d.refused(listId, ack.error);
      },
      () => undefined, // no answer: the socket went, and the next connect joins again
    );
  }

  private tell(listId: string, present: Presence[]): void {
    const joined = this.lists.get(listId);
    if (!joined) return;
    joined.present = present;
    for (const cb of [...joined.subs]) safely(() => cb(present));
  }
}
