/**
 * The replica: the server's state as last heard (lists, tasks, each list's cursor and the lists' tag),
 * changed only by sync pages and live events applied in seq order. It calls nothing: it says when a sync
 * is needed, and tells its sink what changed so that the views can be made again.
 */
import { listSeqOf, type ServerEventMessage } from '../shared/events';
import type { Comment, List, SyncResult, Task } from '../shared/types';

/** Told what changed in the replica. */
export interface ReplicaSink {
  /** Something of the list changed: its sorted view is made again whole. */
  touchList(listId: string): void;
  /** One task of the list changed: its sorted view is patched. */
  touchTask(listId: string, taskId: string): void;
  /** The list set, a list's name or its role changed. */
  listsChanged(): void;
  /** A list's seq or updatedAt changed (no event is due, but the list views are stale). */
  listsStale(): void;
}

/** The replica as stored. */
export interface StoredReplica {
  v: number;
  userId: string | undefined;
  lists: List[];
  tasks: Task[];
  comments?: Comment[];
  cursors: Record<string, number>;
  listsTag?: unknown;
}

/** What applying a live event asks for: nothing, or a sync (a list not held, or a seq gap). */
export type LiveOutcome = 'done' | 'sync';

/** Deleted tasks remembered for a restore's optimistic view. */
const TRASH_HELD = 1000;

export class Replica {
  readonly lists = new Map<string, List>();
  readonly tasks = new Map<string, Task>();
  /** Comments of the lists held (those of a task not held are not shown). */
  readonly comments = new Map<string, Comment>();
  private readonly byList = new Map<string, Set<string>>();
  /**
   * Tasks deleted (or moved away) as last held, at most TRASH_HELD, not stored: what a queued restore
   * shows before its answer (client.trash() adds the pages it reads).
   */
  readonly trashed = new Map<string, Task>();
  private cursors = new Map<string, number>();
  /** The server's tag of exactly the lists held (sync's listsTag); cleared when they change otherwise. */
  private tag: string | undefined;
  /** Changed since last stored. */
  dirty = false;

  constructor(private readonly sink: ReplicaSink) {}

  get listsTag(): string | undefined {
    return this.tag;
  }

  hasCursor(listId: string): boolean {
    return this.cursors.has(listId);
  }

  /** The cursors as a sync sends them. */
  cursorsSent(): Record<string, number> {
    return Object.fromEntries(this.cursors);
  }

  /** The ids of the tasks held in a list. */
  taskIds(listId: string): Iterable<string> {
    return this.byList.get(listId) ?? [];
  }

  /**
   * Applies one sync answer to the cursors `sent` (and the tag `sentTag`). Its `lists` are the lists,
   * unless it says the tag sent is current (`listsUnchanged`): then the lists held are. A server that
   * knows no tags always sends them. False (nothing applied): the lists held changed while the answer
   * was on its way, so it cannot say what they are now; sync again.
   */
  applySync(r: SyncResult, sent: Record<string, number>, sentTag: string | undefined): boolean {
    const tagged: Partial<Pick<SyncResult, 'listsTag' | 'listsUnchanged'>> = r; // a server without tags sends neither
    const unchanged = sentTag !== undefined && tagged.listsUnchanged === true && tagged.listsTag === sentTag;
    if (unchanged && this.tag !== sentTag) return false;
    let exact = true;
    for (const id of r.removedListIds) if (this.dropList(id) && unchanged) exact = false;
    const lists = unchanged ? [...this.lists.values()] : r.lists;
    const visible = new Set(lists.map((l) => l.id));
    for (const id of [...this.lists.keys()]) if (!visible.has(id)) this.dropList(id);
    for (const list of lists) {
      this.putList(list);
      const c = Object.hasOwn(sent, list.id) ? sent[list.id] : undefined;
      const now = Object.hasOwn(r.cursors, list.id) ? r.cursors[list.id] : undefined;
      // no cursor sent (or 0, or one ahead of the list): the answer holds the list's tasks whole
      if (c === undefined || c === 0 || (now !== undefined && c > now)) {
        for (const id of this.byList.get(list.id) ?? []) this.tasks.delete(id);
        this.byList.delete(list.id);
        this.dropComments(list.id);
        this.sink.touchList(list.id);
      }
    }
    for (const d of r.deleted) this.dropTask(d.id, d.listId);
    for (const task of r.tasks) this.putTask(task);
    // a server without comments sends neither
    const withComments: Partial<Pick<SyncResult, 'comments' | 'deletedComments'>> = r;
    for (const d of withComments.deletedComments ?? []) this.dropComment(d.id);
    for (const c of withComments.comments ?? []) this.putComment(c);
    this.cursors = new Map(Object.entries(r.cursors));
    // the lists held are now exactly those of the answer's tag (unless a server without tags answered)
    this.tag = exact && typeof tagged.listsTag === 'string' ? tagged.listsTag : undefined;
    this.dirty = true;
    return true;
  }

  /** Applies a live event in its list's seq order (`userId`: this client's user); 'sync' when it cannot. */
  applyLive(ev: ServerEventMessage, userId: string | undefined): LiveOutcome {
    if (ev.event === 'list:deleted') {
      this.dropList(ev.payload.id);
      return 'done';
    }
    if (ev.event === 'list:created') {
      // new to this device (another device's, or shared): sync brings it, its tasks and its cursor
      return this.cursors.has(ev.payload.list.id) ? 'done' : 'sync';
    }
    const scope = listSeqOf(ev);
    if (!scope) return 'done';
    const cursor = this.cursors.get(scope.listId);
    if (cursor === undefined) return 'sync'; // a list not held yet
    if (scope.seq <= cursor) return 'done';
    if (scope.seq > cursor + 1) return 'sync'; // something is missing: sync catches up from the cursor
    switch (ev.event) {
      case 'task:created':
      case 'task:updated':
        this.putTask(ev.payload.task);
        break;
      case 'task:deleted':
        this.dropTask(ev.payload.id, ev.payload.listId);
        break;
      case 'comment:created':
      case 'comment:updated':
        this.putComment(ev.payload.comment);
        break;
      case 'comment:deleted':
        this.dropComment(ev.payload.id);
        break;
      case 'list:updated':
        this.putList(ev.payload.list);
        break;
      case 'member:added':
      case 'member:updated': {
        const { member } = ev.payload;
        const list = this.lists.get(member.listId);
        if (list && member.userId === userId && list.role !== member.role) this.putList({ ...list, role: member.role });
        break;
      }
      case 'member:removed':
        if (ev.payload.userId === userId) {
          this.dropList(ev.payload.listId); // nothing more of it will come
          return 'done';
        }
        break;
    }
    this.cursors.set(scope.listId, scope.seq);
    this.dirty = true;
    return 'done';
  }

  putList(list: List): void {
    this.tag = undefined; // the lists are no longer those of the tag (a sync sets it again after)
    const old = this.lists.get(list.id);
    if (old?.name !== list.name || old.role !== list.role) this.sink.listsChanged();
    else if (old.seq !== list.seq || old.updatedAt !== list.updatedAt) this.sink.listsStale(); // no event for these
    this.lists.set(list.id, list);
    this.dirty = true;
  }

  /** Sets a task (never to an older version of itself) in a list the replica holds. */
  putTask(task: Task): void {
    const old = this.tasks.get(task.id);
    if (old && old.version > task.version) return;
    if (old && old.listId !== task.listId) {
      this.byList.get(old.listId)?.delete(task.id);
      this.sink.touchTask(old.listId, task.id);
    }
    this.tasks.set(task.id, task);
    let ids = this.byList.get(task.listId);
    if (!ids) this.byList.set(task.listId, (ids = new Set()));
    ids.add(task.id);
    this.sink.touchTask(task.listId, task.id);
    this.dirty = true;
  }

  /** Removes a task from the list named (a moved task may sit in its new list already). */
  dropTask(id: string, listId: string): void {
    const task = this.tasks.get(id);
    if (task?.listId !== listId) return;
    this.remember(task);
    this.tasks.delete(id);
    this.byList.get(listId)?.delete(id);
    this.sink.touchTask(listId, id);
    this.dirty = true;
  }

  /** Keeps a deleted task as last known (the oldest forgotten past TRASH_HELD). */
  remember(task: Task): void {
    this.trashed.delete(task.id);
    this.trashed.set(task.id, task);
    if (this.trashed.size > TRASH_HELD) this.trashed.delete(this.trashed.keys().next().value!);
  }

  /** Sets a comment (never to an older change of itself). */
  putComment(comment: Comment): void {
    const old = this.comments.get(comment.id);
    if (old && old.seq > comment.seq) return;
    this.comments.set(comment.id, comment);
    this.sink.touchTask(comment.listId, comment.taskId);
    this.dirty = true;
  }

  dropComment(id: string): void {
    const old = this.comments.get(id);
    if (!old) return;
    this.comments.delete(id);
    this.sink.touchTask(old.listId, old.taskId);
    this.dirty = true;
  }

  private dropComments(listId: string): void {
    for (const c of [...this.comments.values()]) if (c.listId === listId) this.comments.delete(c.id);
  }

  /** Forgets a list and its tasks; true if the replica held it. */
  dropList(listId: string): boolean {
    const held = this.lists.delete(listId);
    if (held) {
      this.sink.listsChanged();
      this.tag = undefined;
    }
    this.cursors.delete(listId);
    for (const id of this.byList.get(listId) ?? []) this.tasks.delete(id);
    this.byList.delete(listId);
    this.dropComments(listId);
    this.sink.touchList(listId);
    this.dirty = true;
    return held;
  }

  /** Forgets everything (a logout, or another user's login). */
  clear(): void {
    for (const id of this.lists.keys()) this.sink.touchList(id);
    this.lists.clear();
    this.tag = undefined;
    this.tasks.clear();
    this.comments.clear();
    this.byList.clear();
    this.cursors.clear();
    this.sink.listsChanged();
    this.dirty = false;
  }

  /** Takes a stored replica in, if it is `userId`'s and of this format. */
  load(stored: StoredReplica | undefined, userId: string, format: number): void {
    if (stored?.v !== format || stored.userId !== userId) return;
    for (const list of stored.lists) this.lists.set(list.id, list);
    for (const task of stored.tasks) this.putTask(task);
    for (const c of stored.comments ?? []) this.comments.set(c.id, c);
    this.cursors = new Map(Object.entries(stored.cursors));
    // written with the lists it tags (an older replica has none: the first sync sends the lists)
    if (typeof stored.listsTag === 'string') this.tag = stored.listsTag;
  }

  stored(userId: string | undefined, format: number): StoredReplica {
    return {
      v: format,
      userId,
      lists: [...this.lists.values()],
      tasks: [...this.tasks.values()],
      comments: [...this.comments.values()],
      cursors: Object.fromEntries(this.cursors),
      listsTag: this.tag,
    };
  }
}
