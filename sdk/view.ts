/**
 * The optimistic view: the replica with the queue replayed on top (mutators.ts), as the app reads it,
 * sorted, with a sorted list of each list's tasks kept (patched task by task when few changed). It
 * collects what changed since the last `take()` (the replica tells it, as its sink), so the client
 * can tell the app.
 */
import type { List, Task } from '../shared/types';
import { replay } from './mutators';
import { comparePositions } from './position';
import type { Mutation } from './queue';
import type { Replica, ReplicaSink } from './replica';
import type { CommentView, ListView, TaskView } from './types';

/** Tasks in the contract's order: (position, createdAt, id), positions by code point. */
export function compareTasks(a: Task, b: Task): number {
  return (
    comparePositions(a.position, b.position) ||
    (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function compareLists(a: List, b: List): number {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Two views with the same fields, each the same value. */
function same<T extends object>(a: T | null | undefined, b: T | null | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const keys = Object.keys(a) as Array<keyof T>;
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

interface Sorted<T> {
  sorted: T[];
  byId: Map<string, T>;
}

export class View implements ReplicaSink {
  private overlayTasks = new Map<string, TaskView | null>();
  private overlayLists = new Map<string, ListView | null>();
  private overlayComments = new Map<string, CommentView | null>();
  private readonly sortedCache = new Map<string, Sorted<TaskView>>();
  /** Per list, the tasks changed since its sorted view was made ('all': made again whole). */
  private readonly dirty = new Map<string, Set<string> | 'all'>();
  private listCache: Sorted<ListView> | undefined;
  private readonly views = new WeakMap<Task, TaskView>();
  // what changed since the last take()
  private touched = new Set<string>();
  private listsMoved = false;

  /** The replica shown (it is made with this view as its sink, so it is attached after). */
  private replica!: Replica;

  attach(replica: Replica): void {
    this.replica = replica;
  }

  touchList(listId: string): void {
    this.touched.add(listId);
    this.dirty.set(listId, 'all');
  }

  touchTask(listId: string, taskId: string): void {
    this.touched.add(listId);
    const ids = this.dirty.get(listId);
    if (ids === undefined) this.dirty.set(listId, new Set([taskId]));
    else if (ids !== 'all') ids.add(taskId);
  }

  listsChanged(): void {
    this.listsMoved = true;
  }

  listsStale(): void {
    this.listCache = undefined;
  }

  /** Every list shown so far changed (the replica and queue are being forgotten). */
  touchAll(): void {
    for (const id of this.overlayLists.keys()) this.touchList(id);
  }

  /** A replica task's view (the same object while the task is). */
  private viewOf(task: Task): TaskView {
    let view = this.views.get(task);
    if (!view) this.views.set(task, (view = { ...task, pending: false }));
    return view;
  }

  /** Replays `queue` on the replica, and notes what it changes compared with the last replay. */
  update(queue: Mutation[], userId: string): void {
    const { tasks, lists, comments } = replay(this.replica, queue, userId, (t) => this.viewOf(t));
    for (const id of new Set([...this.overlayComments.keys(), ...comments.keys()])) {
      const before = this.overlayComments.get(id);
      const after = comments.get(id);
      if (this.overlayComments.has(id) === comments.has(id) && same(before, after)) continue;
      for (const c of [before, after, this.replica.comments.get(id)]) if (c) this.touched.add(c.listId);
    }
    this.overlayComments = comments;
    for (const id of new Set([...this.overlayTasks.keys(), ...tasks.keys()])) {
      const before = this.overlayTasks.get(id);
      const after = tasks.get(id);
      if (this.overlayTasks.has(id) === tasks.has(id) && same(before, after)) continue;
      for (const t of [before, after, this.replica.tasks.get(id)]) if (t) this.touchTask(t.listId, id);
    }
    for (const id of new Set([...this.overlayLists.keys(), ...lists.keys()])) {
      if (this.overlayLists.has(id) === lists.has(id) && same(this.overlayLists.get(id), lists.get(id))) continue;
      this.listsMoved = true;
      this.touchList(id);
    }
    this.overlayTasks = tasks;
    this.overlayLists = lists;
  }

  /** Brings the sorted views up to date; returns the lists whose tasks changed, and whether the lists did. */
  take(): { listIds: string[]; lists: boolean } {
    const listIds = [...this.touched];
    const lists = this.listsMoved;
    this.touched = new Set();
    this.listsMoved = false;
    if (lists) this.listCache = undefined; // before the tasks: a list's visibility may have changed
    for (const [id, ids] of this.dirty) this.patchSorted(id, ids);
    this.dirty.clear();
    return { listIds, lists };
  }

  lists(): ListView[] {
    return [...this.listViews().sorted];
  }

  list(id: string): ListView | undefined {
    return this.listViews().byId.get(id);
  }

  /** The lists as shown, made again only when the list set, a name or a role changed. */
  private listViews(): Sorted<ListView> {
    if (!this.listCache) {
      const out: ListView[] = [];
      for (const list of this.replica.lists.values())
        if (!this.overlayLists.has(list.id)) out.push({ ...list, pending: false });
      for (const list of this.overlayLists.values()) if (list) out.push(list);
      this.listCache = { sorted: out.sort(compareLists), byId: new Map(out.map((l) => [l.id, l])) };
    }
    return this.listCache;
  }

  /** Brings a list's sorted view up to date: each changed task taken out of its place and put in its new one. */
  private patchSorted(listId: string, ids: Set<string> | 'all'): void {
    const cached = this.sortedCache.get(listId);
    if (!cached) return;
    if (ids === 'all' || ids.size > 64 || !this.list(listId)) {
      this.sortedCache.delete(listId);
      return;
    }
    const { sorted, byId } = cached;
    /** Where `view` is, or goes, in `sorted` (the key ends with the id, so no two tasks compare equal). */
    const place = (view: TaskView): number => {
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareTasks(sorted[mid], view) < 0) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    for (const id of ids) {
      const old = byId.get(id);
      if (old) {
        sorted.splice(place(old), 1);
        byId.delete(id);
      }
      const view = this.task(id);
      if (view?.listId !== listId) continue;
      sorted.splice(place(view), 0, view);
      byId.set(id, view);
    }
  }

  tasks(listId: string): TaskView[] {
    let cached = this.sortedCache.get(listId);
    if (!cached) {
      const sorted: TaskView[] = [];
      if (this.list(listId)) {
        for (const id of this.replica.taskIds(listId))
          if (!this.overlayTasks.has(id)) sorted.push(this.viewOf(this.replica.tasks.get(id)!));
        for (const task of this.overlayTasks.values()) if (task?.listId === listId) sorted.push(task);
        sorted.sort(compareTasks);
      }
      cached = { sorted, byId: new Map(sorted.map((t) => [t.id, t])) };
      this.sortedCache.set(listId, cached);
    }
    return [...cached.sorted];
  }

  task(id: string): TaskView | undefined {
    if (this.overlayTasks.has(id)) return this.overlayTasks.get(id) ?? undefined;
    const base = this.replica.tasks.get(id);
    return base && this.list(base.listId) ? this.viewOf(base) : undefined;
  }

  /** The comments of a task shown, oldest first (createdAt, then id). */
  comments(taskId: string): CommentView[] {
    if (!this.task(taskId)) return [];
    const out: CommentView[] = [];
    for (const c of this.replica.comments.values())
      if (c.taskId === taskId && !this.overlayComments.has(c.id)) out.push({ ...c, pending: false });
    for (const c of this.overlayComments.values()) if (c?.taskId === taskId) out.push(c);
    return out.sort((a, b) =>
      a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
  }
}
