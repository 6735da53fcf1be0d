/**
 * The named mutators: for each queued event, how it shows before the server has answered (replayed on
 * the replica, so a live event about a task changed here does not make the change blink away), and how
 * its answer is fed in as the events the other devices got. The optimistic view is the replica with
 * every queued mutation replayed on top, in order: `replay()`.
 */
import type { AckData, ServerEventMessage } from '../shared/events';
import { parseTime } from '../shared/time';
import type { CommentDeleted, Task, TaskDeleted } from '../shared/types';
import type { MutationOf, Mutation, QueuedEvent } from './queue';
import type { Replica } from './replica';
import type { CommentView, ListView, TaskView } from './types';

/** The view being built by a replay: what the queue changes (null: deleted), over the replica. */
export interface Overlay {
  tasks: Map<string, TaskView | null>;
  lists: Map<string, ListView | null>;
  comments: Map<string, CommentView | null>;
}

/** What a mutator reads while replaying. */
interface Replaying extends Overlay {
  userId: string;
  replica: Replica;
  listNow(id: string): ListView | undefined;
  taskNow(id: string): TaskView | undefined;
  commentNow(id: string): CommentView | undefined;
}

/** What a mutator may do with its answer. */
export interface Answering {
  /** Feeds an event in, as if the server had sent it (applied in seq order, or buffered while syncing). */
  receive(ev: ServerEventMessage): void;
  /** A sync is due (it brings a new list with its cursor). */
  needsSync(): void;
  replica: Replica;
}

interface Mutator<E extends QueuedEvent> {
  replay(m: MutationOf<E>, r: Replaying): void;
  /** Returns what the caller's promise resolves with. */
  answer(m: MutationOf<E>, data: AckData<E>, a: Answering): unknown;
}

/** A time as the server will store it (UTC), or the text itself if the server will refuse it. */
function isoOrSame(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const parsed = parseTime(value);
  return 'time' in parsed ? parsed.time.toISOString() : value;
}

const mutators: { [E in QueuedEvent]: Mutator<E> } = {
  'list:create': {
    replay({ payload: { id, name }, at }, r) {
      if (!id || r.replica.lists.has(id) || r.lists.has(id)) return;
      const list = { id, name: name.trim(), ownerId: r.userId, role: 'owner' as const, seq: 0 };
      r.lists.set(id, { ...list, createdAt: at, updatedAt: at, pending: true });
    },
    answer(_m, { list }, a) {
      if (!a.replica.hasCursor(list.id)) a.needsSync(); // as list:created: sync brings it with its cursor
      return list;
    },
  },
  'list:rename': {
    replay({ payload, at }, r) {
      const cur = r.listNow(payload.id);
      if (cur) r.lists.set(cur.id, { ...cur, name: payload.name.trim(), updatedAt: at });
    },
    answer(_m, { list }, a) {
      a.receive({ event: 'list:updated', payload: { list } });
      return list;
    },
  },
  'list:delete': {
    replay({ payload }, r) {
      if (r.listNow(payload.id)) r.lists.set(payload.id, null);
    },
    answer(_m, data, a) {
      a.receive({ event: 'list:deleted', payload: data });
      return undefined;
    },
  },
  'task:create': {
    replay({ payload: p, at }, r) {
      if (!p.id || r.replica.tasks.has(p.id) || r.tasks.has(p.id) || !r.listNow(p.listId)) return;
      r.tasks.set(p.id, {
        id: p.id,
        listId: p.listId,
        title: p.title.trim(),
        notes: p.notes ?? '',
        completed: false,
        completedAt: null,
        dueAt: isoOrSame(p.dueAt),
        priority: p.priority ?? 0,
        position: p.position ?? '',
        assigneeId: p.assigneeId ?? null,
        version: 1,
        seq: 0,
        createdBy: r.userId,
        updatedBy: r.userId,
        createdAt: at,
        updatedAt: at,
        pending: true,
      });
    },
    answer(m, { task }, a) {
      m.ackVersion = task.version;
      a.receive({ event: 'task:created', payload: { task } });
      return task;
    },
  },
  'task:update': {
    replay(m, r) {
      const cur = r.taskNow(m.payload.id);
      if (!cur) return;
      const base = r.replica.tasks.get(cur.id);
      if (m.ackVersion !== undefined && base && base.version >= m.ackVersion) return; // in the replica already
      const patch = m.payload.patch;
      const next: TaskView = { ...cur, version: cur.version + 1, updatedBy: r.userId, updatedAt: m.at, pending: true };
      if (patch.title !== undefined) next.title = patch.title.trim();
      if (patch.notes !== undefined) next.notes = patch.notes;
      if (patch.dueAt !== undefined) next.dueAt = isoOrSame(patch.dueAt);
      if (patch.priority !== undefined) next.priority = patch.priority;
      if (patch.position !== undefined) next.position = patch.position;
      if (patch.assigneeId !== undefined) next.assigneeId = patch.assigneeId;
      if (patch.completed !== undefined && patch.completed !== cur.completed) {
        next.completed = patch.completed;
        next.completedAt = patch.completed ? m.at : null;
      }
      if (patch.listId !== undefined && patch.listId !== cur.listId) {
        if (!r.listNow(patch.listId)) return;
        next.listId = patch.listId;
      }
      r.tasks.set(cur.id, next);
    },
    answer(m, { task, from }, a) {
      m.ackVersion = task.version;
      if (from) a.receive({ event: 'task:deleted', payload: from });
      a.receive({ event: 'task:updated', payload: { task } });
      return task;
    },
  },
  'task:delete': {
    replay({ payload }, r) {
      if (r.taskNow(payload.id)) r.tasks.set(payload.id, null);
    },
    answer(_m, data: TaskDeleted, a) {
      a.receive({ event: 'task:deleted', payload: data });
      return undefined;
    },
  },
  'task:restore': {
    // shown back as last held (deleted here, by a queued delete, or read with trash()) in a list still held
    replay(m, r) {
      const id = m.payload.id;
      if (r.taskNow(id)) return;
      const held = r.replica.tasks.get(id);
      if (m.ackVersion !== undefined && held && held.version >= m.ackVersion) return; // in the replica already
      const gone = held ?? r.replica.trashed.get(id);
      if (!gone || !r.listNow(gone.listId)) return;
      r.tasks.set(id, { ...gone, version: gone.version + 1, updatedBy: r.userId, updatedAt: m.at, pending: true });
    },
    answer(m, { task }, a) {
      m.ackVersion = task.version;
      a.receive({ event: 'task:created', payload: { task } }); // a live task's answer is older: putTask keeps the newer
      return task;
    },
  },
  ...commentMutators(),
};

/** Comments: shown at once (seq 0 until answered), their answers fed in as the others' events. */
function commentMutators(): { [E in 'comment:create' | 'comment:update' | 'comment:delete']: Mutator<E> } {
  return {
    'comment:create': {
      replay({ payload: p, at }, r) {
        const task = r.taskNow(p.taskId);
        if (!p.id || !task || r.replica.comments.has(p.id) || r.comments.has(p.id)) return;
        const mentions = [...new Set((p.mentions ?? []).map((m) => m.toLowerCase()))];
        r.comments.set(p.id, {
          id: p.id,
          taskId: p.taskId,
          listId: task.listId,
          authorId: r.userId,
          body: p.body.trim(),
          mentions,
          seq: 0,
          createdAt: at,
          editedAt: null,
          pending: true,
        });
      },
      answer(_m, { comment }, a) {
        a.receive({ event: 'comment:created', payload: { comment } });
        return comment;
      },
    },
    'comment:update': {
      replay({ payload: p, at }, r) {
        const cur = r.commentNow(p.id);
        if (!cur) return;
        const mentions = p.mentions ? [...new Set(p.mentions.map((m) => m.toLowerCase()))] : cur.mentions;
        r.comments.set(cur.id, { ...cur, body: p.body.trim(), mentions, editedAt: at, pending: true });
      },
      answer(_m, { comment }, a) {
        a.receive({ event: 'comment:updated', payload: { comment } });
        return comment;
      },
    },
    'comment:delete': {
      replay({ payload }, r) {
        if (r.commentNow(payload.id)) r.comments.set(payload.id, null);
      },
      answer(_m, data: CommentDeleted, a) {
        a.receive({ event: 'comment:deleted', payload: data });
        return undefined;
      },
    },
  };
}

/** The mutator of `m`'s event. */
function mutatorOf<E extends QueuedEvent>(m: MutationOf<E>): Mutator<E> {
  return mutators[m.event];
}

/**
 * The queue replayed on the replica: the tasks and lists it changes (null: deleted). `viewOf` gives a
 * replica task's view (kept per task object, so an unchanged task keeps its view).
 */
export function replay(replica: Replica, queue: Mutation[], userId: string, viewOf: (task: Task) => TaskView): Overlay {
  const tasks = new Map<string, TaskView | null>();
  const lists = new Map<string, ListView | null>();
  const listNow = (id: string): ListView | undefined => {
    if (lists.has(id)) return lists.get(id) ?? undefined;
    const base = replica.lists.get(id);
    return base && { ...base, pending: false };
  };
  const taskNow = (id: string): TaskView | undefined => {
    if (tasks.has(id)) return tasks.get(id) ?? undefined;
    const base = replica.tasks.get(id);
    return base && listNow(base.listId) ? viewOf(base) : undefined;
  };
  const comments = new Map<string, CommentView | null>();
  const commentNow = (id: string): CommentView | undefined => {
    if (comments.has(id)) return comments.get(id) ?? undefined;
    const base = replica.comments.get(id);
    return base && { ...base, pending: false };
  };
  const r: Replaying = { tasks, lists, comments, userId, replica, listNow, taskNow, commentNow };
  for (const m of queue) mutatorOf(m).replay(m, r);
  return { tasks, lists, comments };
}

/** Feeds the server's answer to `m` in; returns what the caller's promise resolves with. */
export function answer(m: Mutation, data: unknown, a: Answering): unknown {
  return mutatorOf(m).answer(m, data as never, a);
}
