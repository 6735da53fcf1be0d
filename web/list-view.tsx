/** One list: its name and actions (rename, members and sharing, delete or leave), the new-task form and its tasks. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { positionBetween, type ListView as List } from '../sdk';
import { LIMITS } from '../shared/limits';
import { ActivityPanel } from './activity';
import { Faces, PeopleCtx, usePeopleOf } from './collab';
import { errorMessage, isClientError, newId } from './format';
import { useApp, useTasks } from './hooks';
import { Members } from './members';
import { TaskList } from './task-list';

export function ListView({ list }: { list: List }) {
  const { client, notify } = useApp();
  const tasks = useTasks(client, list.id);
  const [renaming, setRenaming] = useState(false);
  const [showMembers, setShowMembers] = useState(false);
  const [showActivity, setShowActivity] = useState(false);
  const people = usePeopleOf(client, list.id);
  const others = people.present.filter((p) => p.userId !== people.me);
  const canEdit = list.role !== 'viewer';
  const open = tasks.filter((t) => !t.completed).length;

  const remove = () => {
    if (!confirm(`Delete the list “${list.name}” and its ${String(tasks.length)} tasks, for every member?`)) return;
    void client.deleteList(list.id);
  };
  const leave = async () => {
    if (!confirm(`Leave “${list.name}”? You will no longer see it.`)) return;
    try {
      await client.leave(list.id);
    } catch (e) {
      if (isClientError(e)) notify(errorMessage(e));
    }
  };
  return (
    <PeopleCtx.Provider value={people}>
      <section class="list-view" aria-labelledby="list-title" data-list-id={list.id}>
        <div class="list-head">
          {renaming ? (
            <RenameForm list={list} done={() => setRenaming(false)} />
          ) : (
            <h2 id="list-title" class="list-title">
              {list.name}
            </h2>
          )}
          <p class="list-meta">
            <Faces people={others} where="Here now" />
            {open} open · {tasks.length - open} done
            {list.role !== 'owner' && <> · you are {list.role === 'editor' ? 'an editor' : 'a viewer'}</>}
          </p>
          <div class="list-actions">
            {canEdit && !renaming && (
              <button type="button" class="quiet" onClick={() => setRenaming(true)}>
                Rename
              </button>
            )}
            <button
              type="button"
              class="quiet"
              aria-expanded={showMembers}
              aria-controls="members"
              onClick={() => setShowMembers(!showMembers)}
            >
              Members
            </button>
            <button
              type="button"
              class="quiet"
              aria-expanded={showActivity}
              aria-controls="list-activity"
              onClick={() => setShowActivity(!showActivity)}
            >
              Activity
            </button>
            {list.role === 'owner' ? (
              <button type="button" class="quiet danger" onClick={remove}>
                Delete list
              </button>
            ) : (
              <button type="button" class="quiet danger" onClick={() => void leave()}>
                Leave list
              </button>
            )}
          </div>
        </div>
        {showMembers && <Members list={list} />}
        {showActivity && <ActivityPanel listId={list.id} id="list-activity" />}
        {canEdit ? (
          <AddTask listId={list.id} last={tasks.at(-1)?.position ?? null} />
        ) : (
          <p class="muted">You can view this list but not change it.</p>
        )}
        <TaskList list={list} tasks={tasks} />
      </section>
    </PeopleCtx.Provider>
  );
}

function RenameForm({ list, done }: { list: List; done: () => void }) {
  const { client } = useApp();
  const [name, setName] = useState(list.name);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.select(), []);
  const save = (e: Event) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (trimmed && trimmed !== list.name) void client.renameList(list.id, trimmed);
    done();
  };
  return (
    <form class="inline-form" onSubmit={save}>
      <label for="rename-list" class="visually-hidden">
        List name
      </label>
      <input
        id="rename-list"
        ref={input}
        required
        maxLength={LIMITS.listNameMax}
        value={name}
        onInput={(e) => setName(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') done();
        }}
      />
      <button type="submit" class="primary">
        Save
      </button>
      <button type="button" class="quiet" onClick={done}>
        Cancel
      </button>
    </form>
  );
}

/** Adds a task at the end of the list (a position after the last task's; without one it would sort first). */
function AddTask({ listId, last }: { listId: string; last: string | null }) {
  const { client } = useApp();
  const [title, setTitle] = useState('');
  const add = (e: Event) => {
    e.preventDefault();
    const trimmed = title.trim();
    if (!trimmed) return;
    let position: string | undefined;
    try {
      position = positionBetween(last, null);
    } catch {
      position = undefined; // no key fits after the last one: the server's default
    }
    void client.createTask(listId, { title: trimmed, id: newId(), position });
    setTitle('');
  };
  return (
    <form class="add-task" onSubmit={add}>
      <label for="new-task" class="visually-hidden">
        New task
      </label>
      <input
        id="new-task"
        placeholder="Add a task"
        maxLength={LIMITS.titleMax}
        value={title}
        onInput={(e) => setTitle(e.currentTarget.value)}
      />
      <button type="submit" class="primary" disabled={!title.trim()}>
        Add
      </button>
    </form>
  );
}
