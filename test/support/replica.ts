/**
 * A client-side replica of a user's lists and tasks, built the way the contract tells a client to:
 * apply `sync`, then live events whose seq is above the list's cursor.
 */
import type { List, SyncResult, Task } from '../../shared/types';
import type { ClientSocket } from './server';
import { asSeen, type SeenEvent } from './wait';

/** A client's copy of what it may see: lists, tasks and the seq of each list it has applied. */
export class Replica {
  readonly lists = new Map<string, List>();
  readonly tasks = new Map<string, Task>();
  cursors: Record<string, number> = {};
  /** Every live event applied (not ignored), in order. */
  readonly applied: Array<{ event: string; listId: string; seq: number }> = [];
  /** Live events ignored because their seq was not above the cursor. */
  ignored = 0;
  /** Jumps: an applied event whose seq was not the cursor + 1 (a client would have to sync). */
  readonly gaps: string[] = [];

  constructor(readonly userId: string) {}

  applySync(result: SyncResult): void {
    for (const id of result.removedListIds) this.dropList(id);
    for (const list of result.lists) this.lists.set(list.id, list);
    for (const d of result.deleted) if (this.tasks.get(d.id)?.listId === d.listId) this.tasks.delete(d.id);
    for (const task of result.tasks) this.tasks.set(task.id, task);
    this.cursors = { ...result.cursors };
  }

  /** A list loaded whole (GET tasks) replaces what the replica had of it. */
  applyListTasks(listId: string, body: { tasks: Task[]; seq: number }): void {
    for (const [id, task] of this.tasks) if (task.listId === listId) this.tasks.delete(id);
    for (const task of body.tasks) this.tasks.set(task.id, task);
    this.cursors[listId] = body.seq;
  }

  /** Applies one live event the way the contract asks; returns false when it was ignored. */
  applyEvent(e: SeenEvent): boolean {
    switch (e.event) {
      case 'task:created':
      case 'task:updated': {
        const { task } = e.payload;
        return this.step(e.event, task.listId, task.seq, () => this.tasks.set(task.id, task));
      }
      case 'task:deleted': {
        const deleted = e.payload;
        return this.step(e.event, deleted.listId, deleted.seq, () => {
          if (this.tasks.get(deleted.id)?.listId === deleted.listId) this.tasks.delete(deleted.id);
        });
      }
      case 'list:created':
        // a list shared with us: known from now on, its tasks come from a full load (no cursor yet)
        this.lists.set(e.payload.list.id, e.payload.list);
        return true;
      case 'list:updated': {
        const { list } = e.payload;
        return this.step(e.event, list.id, list.seq, () => this.lists.set(list.id, list));
      }
      case 'list:deleted':
        this.dropList(e.payload.id);
        return true;
      case 'member:added':
      case 'member:updated':
        return this.step(e.event, e.payload.member.listId, e.payload.seq, () => undefined);
      case 'member:removed':
        if (e.payload.userId === this.userId) {
          this.dropList(e.payload.listId);
          return true;
        }
        return this.step(e.event, e.payload.listId, e.payload.seq, () => undefined);
      default:
        return false;
    }
  }

  /** Applies every live event of `socket` from now on. */
  follow(socket: ClientSocket): void {
    socket.onAny((event: string, payload: unknown) => {
      this.applyEvent(asSeen(event, payload));
    });
  }

  /** Lists (id -> name) and live tasks, in a form to compare with deep.equal. */
  snapshot(): { lists: Record<string, string>; tasks: Task[]; cursors: Record<string, number> } {
    const lists = Object.fromEntries([...this.lists.values()].map((l) => [l.id, l.name]));
    const tasks = [...this.tasks.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    return { lists, tasks, cursors: { ...this.cursors } };
  }

  private step(event: string, listId: string, seq: number, apply: () => void): boolean {
    const cursor = Object.hasOwn(this.cursors, listId) ? this.cursors[listId] : undefined;
    if (cursor !== undefined && seq <= cursor) {
      this.ignored += 1;
      return false;
    }
    if (cursor !== undefined && seq !== cursor + 1) this.gaps.push(`${event} in ${listId}: seq ${seq} after ${cursor}`);
    apply();
    this.cursors[listId] = seq;
    this.applied.push({ event, listId, seq });
    return true;
  }

  private dropList(listId: string): void {
    this.lists.delete(listId);
    const { [listId]: _dropped, ...cursors } = this.cursors;
    this.cursors = cursors;
    for (const [id, task] of this.tasks) if (task.listId === listId) this.tasks.delete(id);
  }
}
