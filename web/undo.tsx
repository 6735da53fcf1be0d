/**
 * Undo after a change or a delete: a toast with an Undo button. An undo is a new change sent with the
 * version the change made (`expectedVersion`): the server merges it unless someone changed the same fields
 * since, and then it is refused with a message naming them, never overwriting their later edit.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Task, TaskPatch, TaskView, TodoClient } from '../sdk';
import { nameOf, type People } from './collab';
import { errorMessage, isClientError } from './format';
import type { UndoOffer } from './hooks';

/** Tasks whose conflict the undo reports itself (the app's general message is not shown for them). */
const undoing = new Set<string>();
export const undoReportsConflict = (taskId: string | undefined): boolean => taskId !== undefined && undoing.has(taskId);

const FIELD_NAMES: Record<string, string> = {
  title: 'title',
  notes: 'notes',
  completed: 'done mark',
  dueAt: 'due date',
  priority: 'priority',
  position: 'place',
  assigneeId: 'assignee',
};

/** Saves `patch` on `before` and offers to undo it (the fields patched, back to what they were). */
export function updateWithUndo(
  client: TodoClient,
  people: People,
  offer: (o: UndoOffer) => void,
  before: TaskView,
  patch: TaskPatch,
  expectedVersion: number | undefined,
  text: string,
): void {
  const saved = client.updateTask(before.id, patch, { expectedVersion });
  saved.catch(() => undefined); // reported by the app's error handler
  const old: TaskPatch = {};
  for (const key of Object.keys(patch) as (keyof TaskPatch)[]) Object.assign(old, { [key]: before[key as keyof Task] });
  offer({
    text,
    undo: async () => {
      let after: Task;
      try {
        after = await saved;
      } catch {
        return 'Nothing to undo: the change was not saved.';
      }
      undoing.add(before.id);
      try {
        await client.updateTask(before.id, old, { expectedVersion: after.version });
        return `Undone: “${before.title}” is back as it was.`;
      } catch (e) {
        if (!isClientError(e)) throw e;
        if (e.code !== 'conflict') throw new Error(errorMessage(e), { cause: e });
        const details = e.details as { fields?: string[]; task?: Task } | undefined;
        const fields = (details?.fields ?? []).map((f) => FIELD_NAMES[f] ?? f).join(' and ') || 'it';
        const by = nameOf(people, e.task?.updatedBy ?? null, 'you, elsewhere,');
        throw new Error(`Not undone: ${by} changed the ${fields} since. That later change is kept.`, { cause: e });
      } finally {
        undoing.delete(before.id);
      }
    },
  });
}

export function deleteWithUndo(client: TodoClient, offer: (o: UndoOffer) => void, task: TaskView): void {
  const deleted = client.deleteTask(task.id);
  deleted.catch(() => undefined); // reported by the app's error handler
  offer({
    text: `Deleted “${task.title}”.`,
    // task:restore brings it back from the trash, with a new version: nobody's later change is undone
    undo: async () => {
      try {
        await deleted;
      } catch {
        return 'Nothing to undo: the task was not deleted.';
      }
      await client.restoreTask(task.id);
      return `Restored “${task.title}”.`;
    },
  });
}

const TOAST_MS = 10_000;

/** The latest offer, for 10 s (kept while the pointer or the focus is on it). */
export function UndoToast({
  offer,
  done,
  notify,
}: {
  offer: (UndoOffer & { id: number }) | null;
  done: () => void;
  notify: (text: string, kind?: 'error' | 'info') => void;
}) {
  const [busy, setBusy] = useState(false);
  const [held, setHeld] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!offer || held || busy) return;
    const t = setTimeout(done, TOAST_MS);
    return () => clearTimeout(t);
  }, [offer, held, busy, done]);
  if (!offer) return null;

  const undo = async () => {
    if (!offer.undo) return;
    setBusy(true);
    try {
      notify(await offer.undo(), 'info');
    } catch (e) {
      notify(e instanceof Error ? e.message : 'Undo failed.');
    } finally {
      setBusy(false);
      setHeld(false);
      done();
    }
  };
  return (
    <div
      class="toast"
      ref={box}
      role="status"
      onPointerEnter={() => setHeld(true)}
      onPointerLeave={() => setHeld(false)}
      onFocusIn={() => setHeld(true)}
      onFocusOut={(e) => setHeld(box.current?.contains(e.relatedTarget as Node | null) ?? false)}
    >
      <p>{offer.text}</p>
      {offer.undo && (
        <button type="button" class="toast-undo" disabled={busy} onClick={() => void undo()}>
          Undo
        </button>
      )}
      <button type="button" class="quiet" aria-label="Close" onClick={done}>
        ✕
      </button>
    </div>
  );
}
