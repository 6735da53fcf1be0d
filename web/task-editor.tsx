/**
 * The open task: title, notes, due day, priority and assignee. Others' changes to fields not being edited
 * show at once; a change to a field being edited is told beside it and the typing is kept. Saved with only
 * the fields edited: the server merges them with others' edits of other fields (field-level merge), and
 * refuses them (conflict) when one of them changed meanwhile, unless the user chose to keep theirs.
 */
import type { ComponentChildren } from 'preact';
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

/**
 * The editor's draft beside the task as it changes elsewhere: a change to a field not being edited is
 * taken in (and told as news), one to a field being edited is held as theirs until the user chooses.
 */
function useDraft(task: TaskView, people: ReturnType<typeof usePeople>) {
  const [base, setBase] = useState(() => fieldsOf(task)); // what the draft started from, field by field
  const [draft, setDraft] = useState(() => fieldsOf(task));
  const [theirs, setTheirs] = useState<Partial<Record<Field, Theirs>>>({});
  const [news, setNews] = useState<Partial<Record<Field, string>>>({});
  const seen = useRef(fieldsOf(task));
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

  return { base, draft, theirs, news, dirty, set, takeTheirs, keepMine };
}

export function TaskEditor({ task, close }: { task: TaskView; close: () => void }) {
  const { client, offer } = useApp();
  const people = usePeople();
  const [opened] = useState(task.version);
  const [showHistory, setShowHistory] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  useLayoutEffect(() => first.current?.focus(), []);
  const id = (field: string) => `${field}-${task.id}`;
  const { draft, theirs, news, dirty, set, takeTheirs, keepMine } = useDraft(task, people);
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

  const note = (f: Field) => (
    <FieldNote f={f} id={id(`${f}-clash`)} theirs={theirs[f]} news={news[f]} take={takeTheirs} keep={keepMine} />
  );
  const described = (f: Field) => (theirs[f] ? id(`${f}-clash`) : undefined);
  const others = people.present.filter((p) => p.taskId === task.id && p.userId !== people.me);

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
        <AssigneeField id={id('assignee')} value={draft.assignee} onChange={(v) => set('assignee', v)}>
          {note('assignee')}
        </AssigneeField>
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

/** Beside a field: someone else's value of it while it is being edited (take it or keep mine), or news of a change. */
function FieldNote(props: {
  f: Field;
  id: string;
  theirs: Theirs | undefined;
  news: string | undefined;
  take: (f: Field) => void;
  keep: (f: Field) => void;
}) {
  const people = usePeople();
  const { f, theirs: t } = props;
  if (t)
    return (
      <div class="clash" role="alert" id={props.id}>
        <p>
          {t.by} changed the {LABELS[f].toLowerCase()} to {shown(f, t.value, people)} while you were editing it. Your
          text is kept.
        </p>
        <button type="button" class="quiet" onClick={() => props.take(f)}>
          Use theirs
        </button>
        <button type="button" class="quiet" onClick={() => props.keep(f)}>
          Keep mine
        </button>
      </div>
    );
  return props.news ? <p class="news">Just changed by {props.news}.</p> : null;
}

/** The assignee picker: nobody, or a member of the list (the current assignee kept if no longer listed). */
function AssigneeField(props: {
  id: string;
  value: string;
  onChange: (v: string) => void;
  children: ComponentChildren;
}) {
  const people = usePeople();
  const choices = people.members ?? [];
  return (
    <div class="field">
      <label for={props.id}>Assignee</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        <option value="">Nobody</option>
        {props.value && !choices.some((m) => m.userId === props.value) && (
          <option value={props.value}>{nameOf(people, props.value, 'Me')}</option>
        )}
        {choices.map((m) => (
          <option key={m.userId} value={m.userId}>
            {m.userId === people.me ? `Me (${m.name})` : m.name}
          </option>
        ))}
      </select>
      {props.children}
    </div>
  );
}
