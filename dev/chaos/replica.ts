/**
 * What a chaos device (dev/chaos/device.ts) holds, and how it changes it, as docs/client-guide.md
 * says: a replica of its user's lists and tasks, replaced or patched by a `sync` answer, and live
 * events applied by seq (an event at or below the cursor ignored; one past the next seq, or of a list
 * it has no cursor for, answered with a sync). The device asks for the syncs and feeds the events.
 */
import { listSeqOf, type ServerEventMessage } from '../../shared/events';
import type { List, SyncResult, Task } from '../../shared/types';

export type LiveEvent = ServerEventMessage;

/** What every device counts, summed over the run. */
export interface DeviceCounters {
  connects: number;
  connectErrors: Record<string, number>;
  disconnects: Record<string, number>;
  syncs: number;
  syncPages: number;
  syncFailures: Record<string, number>;
  syncsOnConnect: number;
  syncsOnGap: number;
  syncsOnNeeded: number;
  syncsOnNewList: number;
  syncNeededReceived: number;
  eventsApplied: number;
  eventsIgnored: number;
}

export const newCounters = (): DeviceCounters => ({
  connects: 0,
  connectErrors: {},
  disconnects: {},
  syncs: 0,
  syncPages: 0,
  syncFailures: {},
  syncsOnConnect: 0,
  syncsOnGap: 0,
  syncsOnNeeded: 0,
  syncsOnNewList: 0,
  syncNeededReceived: 0,
  eventsApplied: 0,
  eventsIgnored: 0,
});

/** The state a device holds, in a form to compare: list names, live tasks, cursors. */
export interface Snapshot {
  lists: Record<string, string>;
  tasks: Record<string, Task>;
  cursors: Record<string, number>;
}

/** The replica: lists, tasks and cursors, and the rules that change them. */
export abstract class Replica {
  readonly lists = new Map<string, List>();
  readonly tasks = new Map<string, Task>();
  cursors: Record<string, number> = {};

  protected constructor(
    readonly userId: string,
    protected readonly counters: DeviceCounters,
  ) {}

  /** Asks for a sync (a seq jump, a list it has no cursor for). */
  protected abstract requestSync(): void;

  snapshot(): Snapshot {
    const lists = Object.fromEntries([...this.lists.values()].map((l) => [l.id, l.name]));
    const tasks = Object.fromEntries([...this.tasks.values()].map((t) => [t.id, t]));
    return { lists, tasks, cursors: { ...this.cursors } };
  }

  /** Lists this user may change tasks in. */
  editableLists(): List[] {
    return [...this.lists.values()].filter((l) => l.role !== 'viewer' && Object.hasOwn(this.cursors, l.id));
  }

  protected applySync(r: SyncResult, sent: Record<string, number>): void {
    for (const id of r.removedListIds) this.dropList(id);
    const visible = new Set(r.lists.map((l) => l.id));
    for (const id of [...this.lists.keys()]) if (!visible.has(id)) this.dropList(id);
    for (const list of r.lists) {
      this.lists.set(list.id, list);
      const c = Object.hasOwn(sent, list.id) ? sent[list.id] : undefined;
      const full = c === undefined || c === 0 || c > r.cursors[list.id];
      if (full) for (const [id, t] of this.tasks) if (t.listId === list.id) this.tasks.delete(id);
    }
    for (const d of r.deleted) this.removeTask(d.id, d.listId);
    for (const t of r.tasks) this.upsertTask(t);
    this.cursors = { ...r.cursors };
  }

  protected dropList(listId: string): void {
    this.lists.delete(listId);
    const { [listId]: _dropped, ...rest } = this.cursors;
    this.cursors = rest;
    for (const [id, t] of this.tasks) if (t.listId === listId) this.tasks.delete(id);
  }

  protected upsertTask(task: Task): void {
    const old = this.tasks.get(task.id);
    if (!old || old.version <= task.version) this.tasks.set(task.id, task);
  }

  protected removeTask(id: string, listId: string): void {
    if (this.tasks.get(id)?.listId === listId) this.tasks.delete(id);
  }

  protected applyLive(ev: LiveEvent): void {
    const c = this.counters;
    if (ev.event === 'list:deleted') {
      this.dropList(ev.payload.id);
      return;
    }
    if (ev.event === 'list:created') {
      if (!Object.hasOwn(this.cursors, ev.payload.list.id)) {
        c.syncsOnNewList += 1;
        this.requestSync();
      }
      return;
    }
    const scope = listSeqOf(ev);
    if (!scope) return;
    const cursor = Object.hasOwn(this.cursors, scope.listId) ? this.cursors[scope.listId] : undefined;
    if (cursor === undefined) {
      c.syncsOnNewList += 1;
      this.requestSync();
      return;
    }
    if (scope.seq <= cursor) {
      c.eventsIgnored += 1;
      return;
    }
    if (scope.seq > cursor + 1) {
      c.syncsOnGap += 1;
      this.requestSync();
      return;
    }
    c.eventsApplied += 1;
    switch (ev.event) {
      case 'task:created':
      case 'task:updated':
        this.upsertTask(ev.payload.task);
        break;
      case 'task:deleted':
        this.removeTask(ev.payload.id, ev.payload.listId);
        break;
      case 'list:updated':
        this.lists.set(ev.payload.list.id, ev.payload.list);
        break;
      case 'member:added': {
        const { member } = ev.payload;
        const list = this.lists.get(member.listId);
        if (list && member.userId === this.userId) this.lists.set(list.id, { ...list, role: member.role });
        break;
      }
      case 'member:removed':
        if (ev.payload.userId === this.userId) {
          this.dropList(ev.payload.listId);
          return;
        }
        break;
      default:
        break;
    }
    this.cursors[scope.listId] = scope.seq;
  }
}
