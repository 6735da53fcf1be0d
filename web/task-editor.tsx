/**
 * The open task: title, notes, due day, priority and assignee. Others' changes to fields not being edited
 * show at once; a change to a field being edited is told beside it and the typing is kept. Saved with only
 * the fields edited: the server merges them with others' edits of other fields (field-level merge), and
 * refuses them (conflict) when one of them changed meanwhile, unless the user chose to keep theirs.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { TaskPatch, TaskView } from '../sdk';
import { LIMITS } from '../shared/limits';
import { ActivityPanel } from './activity';
import { Faces, nameOf, usePeople } from './collab';
import { dueLabel, dueToInput, inputToDue, PRIORITIES } from './format';
import { useApp } from './hooks';
import { updateWithUndo } from './undo';

interface Fields {
  title: string;
  notes: string;
  due: string;
  priority: number;
  assignee: string;
}
type Field = keyof Fields;
const FIELDS: Field[] = ['title', 'notes', 'due', 'priority', 'assignee'];
const LABELS: Record<Field, string> = {
  title: 'Title',
  notes: 'Notes',
  due: 'Due',
  priority: 'Priority',
  assignee: 'Assignee',
};

const fieldsOf = (t: TaskView): Fields => ({
  title: t.title,
  notes: t.notes,
  due: dueToInput(t.dueAt),
  priority: t.priority,
  assignee: t.assigneeId ?? '',
});

/** Someone else's value of a field being edited: who, and what it is now. */
interface Theirs {
  value: Fields[Field];
  by: string;
}

export function TaskEditor({ task, close }: { task: TaskView; close: () => void }) {
  const { client, offer } = useApp();
  const people = usePeople();
  const [opened] = useState(task.version);
  const [base, setBase] = useState(() => fieldsOf(task)); // what the draft started from, field by field
  const [draft, setDraft] = useState(() => fieldsOf(task));
  const [theirs, setTheirs] = useState<Partial<Record<Field, Theirs>>>({});
  const [news, setNews] = useState<Partial<Record<Field, string>>>({});
  const [showHistory, setShowHistory] = useState(false);
  const seen = useRef(fieldsOf(task));
  const first = useRef<HTMLInputElement>(null);
  useLayoutEffect(() => first.current?.focus(), []);
  const id = (field: string) => `${field}-${task.id}`;
  const dirty = (f: Field) => draft[f] !== base[f];

  // a change from elsewhere: taken into a field not being edited, told beside one that is
  useEffect(() => {
    const now = fieldsOf(task);
    const changed = FIELDS.filter((f) => now[f] !== seen.current[f]);
    seen.current = now;
    if (changed.length === 0) return;
    const by = nameOf(people, task.updatedBy, 'You, on another device,');
    const adopt = changed.filter((f) => draft[f] === base[f]);
    const clash = changed.filter((f) => draft[f] !== base[f]);
    if (adopt.length) {
      const take = (old: Fields) => ({ ...old, ...Object.fromEntries(adopt.map((f) => [f, now[f]])) });
      setBase(take);
      setDraft(take);
      setNews((old) => ({ ...old, ...Object.fromEntries(adopt.map((f) => [f, by])) }));
    }
    setTheirs((old) => {
      const next = { ...old };
      for (const f of changed) next[f] = clash.includes(f) && now[f] !== draft[f] ? { value: now[f], by } : undefined;
      return next;
    });
    // only a new task state is news; the draft and base are read as they are then
  }, [task]);

  const set = <F extends Field>(f: F, value: Fields[F]) => {
    setDraft((old) => ({ ...old, [f]: value }));
    setNews((old) => ({ ...old, [f]: undefined }));
  };
  /** Takes their value: the field is no longer being edited. */
  const takeTheirs = (f: Field) => {
    const t = theirs[f];
    if (!t) return;
    setBase((old) => ({ ...old, [f]: t.value }));
    setDraft((old) => ({ ...old, [f]: t.value }));
    setTheirs((old) => ({ ...old, [f]: undefined }));
  };
  /** Keeps the draft: saving will replace their value, knowingly. */
  const keepMine = (f: Field) => {
    const t = theirs[f];
    if (!t) return;
    setBase((old) => ({ ...old, [f]: t.value }));
    setTheirs((old) => ({ ...old, [f]: undefined }));
  };

  const save = (e: Event) => {
    e.preventDefault();
    const patch: TaskPatch = {};
    if (dirty('title') && draft.title.trim()) patch.title = draft.title.trim();
    if (dirty('notes')) patch.notes = draft.notes;
    if (dirty('due')) patch.dueAt = inputToDue(draft.due);
    if (dirty('priority')) patch.priority = draft.priority;
    if (dirty('assignee')) patch.assigneeId = draft.assignee || null;
    if (Object.keys(patch).length > 0) {
      // with a clash still open, the version the form was opened at: the server refuses (conflict), nothing
      // is overwritten; otherwise the current one, and the server merges the fields sent with others' edits.
      // A task with changes still unsent has no server version to compare with.
      const clash = FIELDS.some((f) => theirs[f] && dirty(f));
      const expected = task.pending ? undefined : clash ? opened : task.version;
      updateWithUndo(client, people, offer, task, patch, expected, `Saved “${patch.title ?? task.title}”.`);
    }
    close();
  };

  const note = (f: Field) => {
    const t = theirs[f];
    if (t)
      return (
        <div class="clash" role="alert" id={id(`${f}-clash`)}>
          <p>
            {t.by} changed the {LABELS[f].toLowerCase()} to {shown(f, t.value, people)} while you were editing it. Your
            text is kept.
          </p>
          <button type="button" class="quiet" onClick={() => takeTheirs(f)}>
            Use theirs
          </button>
          <button type="button" class="quiet" onClick={() => keepMine(f)}>
            Keep mine
          </button>
        </div>
      );
    const by = news[f];
    return by ? <p class="news">Just changed by {by}.</p> : null;
  };
  const described = (f: Field) => (theirs[f] ? id(`${f}-clash`) : undefined);
  const others = people.present.filter((p) => p.taskId === task.id && p.userId !== people.me);
  const choices = people.members ?? [];

  return (
    <form
      class="task-editor"
      onSubmit={save}
      onKeyDown={(e) => {
        if (e.key === 'Escape') close();
      }}
    >
      {others.length > 0 && (
        <p class="also-here">
          <Faces people={others} where="Also open for" small /> Also open for {others.map((p) => p.name).join(', ')}
        </p>
      )}
      <div class="field">
        <label for={id('title')}>Title</label>
        <input
          id={id('title')}
          ref={first}
          required
          maxLength={LIMITS.titleMax}
          value={draft.title}
          aria-describedby={described('title')}
          onInput={(e) => set('title', e.currentTarget.value)}
        />
        {note('title')}
      </div>
      <div class="field">
        <label for={id('notes')}>Notes</label>
        <textarea
          id={id('notes')}
          rows={3}
          maxLength={LIMITS.notesMax}
          value={draft.notes}
          aria-describedby={described('notes')}
          onInput={(e) => set('notes', e.currentTarget.value)}
        />
        {note('notes')}
      </div>
      <div class="field-row">
        <div class="field">
          <label for={id('due')}>Due</label>
          <input id={id('due')} type="date" value={draft.due} onInput={(e) => set('due', e.currentTarget.value)} />
          {note('due')}
        </div>
        <div class="field">
          <label for={id('priority')}>Priority</label>
          <select
            id={id('priority')}
            value={String(draft.priority)}
            onChange={(e) => set('priority', Number(e.currentTarget.value))}
          >
            {PRIORITIES.map((p, n) => (
              <option key={p} value={String(n)}>
                {p}
              </option>
            ))}
          </select>
          {note('priority')}
        </div>
        <div class="field">
          <label for={id('assignee')}>Assignee</label>
          <select id={id('assignee')} value={draft.assignee} onChange={(e) => set('assignee', e.currentTarget.value)}>
            <option value="">Nobody</option>
            {draft.assignee && !choices.some((m) => m.userId === draft.assignee) && (
              <option value={draft.assignee}>{nameOf(people, draft.assignee, 'Me')}</option>
            )}
            {choices.map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.userId === people.me ? `Me (${m.name})` : m.name}
              </option>
            ))}
          </select>
          {note('assignee')}
        </div>
      </div>
      <div class="editor-actions">
        <button type="submit" class="primary">
          Save
        </button>
        <button type="button" class="quiet" onClick={close}>
          Cancel
        </button>
        <HistoryButton open={showHistory} toggle={() => setShowHistory(!showHistory)} taskId={task.id} />
      </div>
      {showHistory && <ActivityPanel listId={task.listId} taskId={task.id} id={`history-${task.id}`} />}
    </form>
  );
}

function shown(f: Field, value: Fields[Field], people: ReturnType<typeof usePeople>): string {
  if (f === 'priority') return PRIORITIES[value as number] ?? String(value);
  if (f === 'assignee') return value ? nameOf(people, value as string, 'you') : 'nobody';
  if (f === 'due') return value ? dueLabel(inputToDue(value as string) ?? '').text : 'no date';
  return value ? `“${String(value)}”` : 'nothing';
}

function HistoryButton({ open, toggle, taskId }: { open: boolean; toggle: () => void; taskId: string }) {
  return (
    <button
      type="button"
      class="quiet history-button"
      aria-expanded={open}
      aria-controls={`history-${taskId}`}
      onClick={toggle}
    >
      History
    </button>
  );
}

/** What a viewer sees of an open task: its notes, assignee and history. */
export function TaskDetails({ task }: { task: TaskView }) {
  const people = usePeople();
  const [showHistory, setShowHistory] = useState(false);
  return (
    <div class="task-details">
      {task.notes ? <p class="notes">{task.notes}</p> : <p class="muted">No notes.</p>}
      {task.assigneeId && <p>Assigned to {nameOf(people, task.assigneeId, 'you')}.</p>}
      <HistoryButton open={showHistory} toggle={() => setShowHistory(!showHistory)} taskId={task.id} />
      {showHistory && <ActivityPanel listId={task.listId} taskId={task.id} id={`history-${task.id}`} />}
    </div>
  );
}
