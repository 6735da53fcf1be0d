/**
 * A list's tasks in the contract's order. Reorder by dragging the handle (mouse, pen or touch) or with
 * the arrow keys on it; either way the task gets a `position` between its new neighbours (moveTask).
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ListView, TaskView } from '../sdk';
import { Face, Faces, nameOf, usePeople } from './collab';
import { dueLabel, PRIORITIES } from './format';
import { useApp } from './hooks';
import { TaskDetails, TaskEditor } from './task-editor';
import { deleteWithUndo, updateWithUndo } from './undo';

interface Drag {
  id: string;
  from: number;
  to: number;
  startY: number;
  dy: number;
  /** Vertical centres of the rows when the drag began, and the dragged row's height. */
  mids: number[];
  height: number;
}

export function TaskList({ list, tasks }: { list: ListView; tasks: TaskView[] }) {
  const { client } = useApp();
  const { look } = usePeople();
  const canEdit = list.role !== 'viewer';
  const [openId, setOpenId] = useState<string | null>(null);
  // the others see which task this user has open
  useEffect(() => look(openId), [look, openId]);
  const [drag, setDrag] = useState<Drag | null>(null);
  const [said, say] = useState('');
  const ul = useRef<HTMLUListElement>(null);
  const refocus = useRef<string | null>(null);

  // a moved row's handle keeps the focus (moving a DOM node drops it)
  useLayoutEffect(() => {
    const id = refocus.current;
    if (!id) return;
    refocus.current = null;
    ul.current?.querySelector<HTMLElement>(`[data-handle="${id}"]`)?.focus();
  });

  /** Moves a task to index `to` of the list as it will be (neighbours: the tasks around that place). */
  const move = (id: string, to: number) => {
    const from = tasks.findIndex((t) => t.id === id);
    const rest = tasks.filter((t) => t.id !== id);
    if (from < 0 || to === from || to < 0 || to > rest.length) return;
    void client.moveTask(id, rest[to - 1]?.id ?? null, rest[to]?.id ?? null);
    refocus.current = id;
    say(`Moved “${tasks[from].title}” to position ${String(to + 1)} of ${String(tasks.length)}.`);
  };

  const onKey = (e: KeyboardEvent, id: string, index: number) => {
    const to = { ArrowUp: index - 1, ArrowDown: index + 1, Home: 0, End: tasks.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    move(id, to);
  };

  const dragStart = (e: PointerEvent, id: string, index: number) => {
    if (!e.isPrimary || e.button !== 0 || !ul.current) return;
    e.preventDefault();
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    const rects = Array.from(ul.current.children, (li) => li.getBoundingClientRect());
    setDrag({
      id,
      from: index,
      to: index,
      startY: e.clientY,
      dy: 0,
      mids: rects.map((r) => r.top + r.height / 2),
      height: rects[index]?.height ?? 0,
    });
  };
  const dragMove = (e: PointerEvent) => {
    if (!drag) return;
    const dy = e.clientY - drag.startY;
    const centre = drag.mids[drag.from] + dy;
    const to = drag.mids.filter((mid, j) => j !== drag.from && mid < centre).length;
    setDrag({ ...drag, dy, to });
  };
  const dragEnd = (e: PointerEvent) => {
    if (!drag) return;
    setDrag(null);
    if (e.type === 'pointerup') move(drag.id, drag.to);
  };
  /** How far a row slides while another is dragged over it. */
  const shift = (j: number): number => {
    if (!drag || j === drag.from) return drag && j === drag.from ? drag.dy : 0;
    if (drag.from < drag.to && j > drag.from && j <= drag.to) return -drag.height;
    if (drag.to < drag.from && j >= drag.to && j < drag.from) return drag.height;
    return 0;
  };

  if (tasks.length === 0)
    return <p class="empty">{canEdit ? 'No tasks yet. Add one above.' : 'No tasks in this list.'}</p>;
  return (
    <>
      {canEdit && (
        <p id="reorder-help" class="visually-hidden">
          Press the up or down arrow key to move the task, Home or End to move it to the top or the bottom. Or drag it.
        </p>
      )}
      <ul class={`tasks${drag ? ' is-dragging' : ''}`} ref={ul} aria-label={`Tasks of ${list.name}`}>
        {tasks.map((task, i) => (
          <TaskItem
            key={task.id}
            task={task}
            canEdit={canEdit}
            open={openId === task.id}
            toggle={() => setOpenId(openId === task.id ? null : task.id)}
            dragging={drag?.id === task.id}
            offset={shift(i)}
            handle={{
              onKeyDown: (e) => onKey(e, task.id, i),
              onPointerDown: (e) => dragStart(e, task.id, i),
              onPointerMove: dragMove,
              onPointerUp: dragEnd,
              onPointerCancel: dragEnd,
            }}
          />
        ))}
      </ul>
      <p class="visually-hidden" aria-live="polite">
        {said}
      </p>
    </>
  );
}

interface HandleEvents {
  onKeyDown: (e: KeyboardEvent) => void;
  onPointerDown: (e: PointerEvent) => void;
  onPointerMove: (e: PointerEvent) => void;
  onPointerUp: (e: PointerEvent) => void;
  onPointerCancel: (e: PointerEvent) => void;
}

function TaskItem({
  task,
  canEdit,
  open,
  toggle,
  dragging,
  offset,
  handle,
}: {
  task: TaskView;
  canEdit: boolean;
  open: boolean;
  toggle: () => void;
  dragging: boolean;
  offset: number;
  handle: HandleEvents;
}) {
  const { client, offer } = useApp();
  const people = usePeople();
  const due = task.dueAt ? dueLabel(task.dueAt) : null;
  const here = people.present.filter((p) => p.taskId === task.id && p.userId !== people.me);
  const assignee = task.assigneeId ? nameOf(people, task.assigneeId) : null;
  const complete = (done: boolean) =>
    updateWithUndo(
      client,
      people,
      offer,
      task,
      { completed: done },
      task.pending ? undefined : task.version,
      `Marked “${task.title}” ${done ? 'done' : 'not done'}.`,
    );
  const classes = ['task', task.completed && 'done', dragging && 'dragging', task.pending && 'unsent']
    .filter(Boolean)
    .join(' ');
  return (
    <li
      class={classes}
      data-task-id={task.id}
      style={offset ? { transform: `translateY(${String(offset)}px)` } : undefined}
    >
      <div class="task-row">
        {canEdit && (
          <button
            type="button"
            class="handle"
            data-handle={task.id}
            aria-label={`Reorder “${task.title}”`}
            aria-describedby="reorder-help"
            {...handle}
          >
            <Icon name="grip" />
          </button>
        )}
        <input
          type="checkbox"
          class="check"
          checked={task.completed}
          disabled={!canEdit}
          aria-label={`Done: ${task.title}`}
          onChange={(e) => complete(e.currentTarget.checked)}
        />
        <button type="button" class="task-title" aria-expanded={open} onClick={toggle}>
          <span class="title-text">{task.title}</span>
          <span class="chips">
            {due && (
              <span class={`chip due${due.overdue && !task.completed ? ' overdue' : ''}`}>
                <span class="visually-hidden">Due </span>
                {due.text}
              </span>
            )}
            {task.priority > 0 && <span class={`chip prio-${String(task.priority)}`}>{PRIORITIES[task.priority]}</span>}
            {assignee && task.assigneeId && (
              <span class="chip assignee" title={`Assigned to ${assignee}`}>
                <Face
                  userId={task.assigneeId}
                  name={task.assigneeId === people.me ? (client.user?.name ?? assignee) : assignee}
                  small
                />
                <span class="visually-hidden">Assigned to </span>
                {assignee}
              </span>
            )}
            {task.notes && (
              <span class="chip notes-chip" title="Has notes">
                Notes
              </span>
            )}
            {task.pending && (
              <span class="chip saving" title="Not yet saved on the server">
                unsent
              </span>
            )}
          </span>
        </button>
        <Faces people={here} where={`Open for`} small />
        {canEdit && (
          <button
            type="button"
            class="icon danger"
            aria-label={`Delete “${task.title}”`}
            onClick={() => deleteWithUndo(client, offer, task)}
          >
            <Icon name="trash" />
          </button>
        )}
      </div>
      {open && (canEdit ? <TaskEditor task={task} close={toggle} /> : <TaskDetails task={task} />)}
    </li>
  );
}

function Icon({ name }: { name: 'grip' | 'trash' }) {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      {name === 'grip' ? (
        <path
          fill="currentColor"
          d="M9 5a1.5 1.5 0 1 1-3 0 1.5 1.5 0 0 1 3 0Zm0 7a1.5 1.5 0 1 1-3 0 1.5 1.5 0 0 1 3 0Zm-1.5 8.5a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3ZM18 5a1.5 1.5 0 1 1-3 0 1.5 1.5 0 0 1 3 0Zm-1.5 8.5a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3ZM18 19a1.5 1.5 0 1 1-3 0 1.5 1.5 0 0 1 3 0Z"
        />
      ) : (
        <path
          fill="none"
          stroke="currentColor"
          stroke-width="2"
          stroke-linecap="round"
          stroke-linejoin="round"
          d="M4 7h16M10 11v6M14 11v6M5 7l1 12a2 2 0 0 0 2 2h8a2 2 0 0 0 2-2l1-12M9 7V4h6v3"
        />
      )}
    </svg>
  );
}
