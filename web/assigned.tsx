/** "Assigned to me": the tasks of every list assigned to this user, by list, open ones first; live. */
import { useEffect, useState } from 'preact/hooks';
import type { ListView, TaskView, TodoClient } from '../sdk';
import { dueLabel, PRIORITIES } from './format';
import { useApp } from './hooks';

interface Group {
  list: ListView;
  tasks: TaskView[];
}

function assignedTo(client: TodoClient, me: string): Group[] {
  return client
    .lists()
    .map((list) => ({
      list,
      tasks: client
        .tasks(list.id)
        .filter((t) => t.assigneeId === me)
        .sort((a, b) => Number(a.completed) - Number(b.completed)),
    }))
    .filter((g) => g.tasks.length > 0);
}

export function AssignedView({ onOpen }: { onOpen: (listId: string) => void }) {
  const { client } = useApp();
  const me = client.user?.id ?? '';
  const [groups, setGroups] = useState(() => assignedTo(client, me));
  useEffect(() => {
    setGroups(assignedTo(client, me));
    return client.on('change', () => setGroups(assignedTo(client, me)));
  }, [client, me]);
  const open = groups.reduce((n, g) => n + g.tasks.filter((t) => !t.completed).length, 0);

  return (
    <section class="list-view assigned-view" aria-labelledby="list-title">
      <div class="list-head">
        <h2 id="list-title" class="list-title">
          Assigned to me
        </h2>
        <p class="list-meta">
          {open} open, in {groups.length} {groups.length === 1 ? 'list' : 'lists'}
        </p>
      </div>
      {groups.length === 0 && <p class="empty">No task is assigned to you. Tasks others give you appear here.</p>}
      {groups.map(({ list, tasks }) => (
        <section key={list.id} class="assigned-group" aria-labelledby={`assigned-${list.id}`}>
          <h3 id={`assigned-${list.id}`}>
            <button type="button" class="link" onClick={() => onOpen(list.id)}>
              {list.name}
            </button>
          </h3>
          <ul class="tasks" aria-label={`Assigned to me in ${list.name}`}>
            {tasks.map((t) => (
              <AssignedRow key={t.id} task={t} canEdit={list.role !== 'viewer'} />
            ))}
          </ul>
        </section>
      ))}
    </section>
  );
}

function AssignedRow({ task, canEdit }: { task: TaskView; canEdit: boolean }) {
  const { client } = useApp();
  const due = task.dueAt ? dueLabel(task.dueAt) : null;
  return (
    <li class={`task${task.completed ? ' done' : ''}`} data-task-id={task.id}>
      <div class="task-row">
        <input
          type="checkbox"
          class="check"
          checked={task.completed}
          disabled={!canEdit}
          aria-label={`Done: ${task.title}`}
          onChange={(e) => void client.updateTask(task.id, { completed: e.currentTarget.checked })}
        />
        <span class="task-title static">
          <span class="title-text">{task.title}</span>
          <span class="chips">
            {due && (
              <span class={`chip due${due.overdue && !task.completed ? ' overdue' : ''}`}>
                <span class="visually-hidden">Due </span>
                {due.text}
              </span>
            )}
            {task.priority > 0 && <span class={`chip prio-${String(task.priority)}`}>{PRIORITIES[task.priority]}</span>}
          </span>
        </span>
      </div>
    </li>
  );
}
