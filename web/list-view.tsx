/** One list: its name and actions (rename, members and sharing, delete or leave), the new-task form and its tasks. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { positionBetween, type ConnectionStatus, type ListView as List, type TodoClient } from '../sdk';
import { LIMITS } from '../shared/limits';
import type { Member, MemberRole } from '../shared/types';
import { errorMessage, isClientError, newId } from './format';
import { useApp, useConnection, useTasks } from './hooks';
import { OwnerActions } from './owner-actions';
import { TaskList } from './task-list';

export function ListView({ list }: { list: List }) {
  const { client, notify } = useApp();
  const tasks = useTasks(client, list.id);
  const [renaming, setRenaming] = useState(false);
  const [showMembers, setShowMembers] = useState(false);
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
      {canEdit ? (
        <AddTask listId={list.id} last={tasks.at(-1)?.position ?? null} />
      ) : (
        <p class="muted">You can view this list but not change it.</p>
      )}
      <TaskList list={list} tasks={tasks} />
    </section>
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

/**
 * The members of a list, read while online: on open, when the connection comes back, and whenever the
 * list changes (a share, a removal); `error` says why a read failed.
 */
function useMembers(client: TodoClient, listId: string, status: ConnectionStatus) {
  const [members, setMembers] = useState<Member[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (status !== 'online') return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      client.members(listId).then(
        (m) => {
          if (live) {
            setMembers(m);
            setError('');
          }
        },
        (e: unknown) => {
          if (live) setError(isClientError(e) ? errorMessage(e) : 'Could not load the members.');
        },
      );
    };
    load();
    const off = client.on('change', (e) => {
      if (!e.listIds.includes(listId)) return;
      clearTimeout(timer);
      timer = setTimeout(load, 150);
    });
    // the SDK tells no change when another member joins or leaves: look again now and then while open
    const poll = setInterval(load, 3000);
    return () => {
      live = false;
      clearTimeout(timer);
      clearInterval(poll);
      off();
    };
  }, [client, listId, status]);

  return { members, setMembers, error, setError };
}

/** Members and their roles (online only); the owner shares by email and removes members. */
function Members({ list }: { list: List }) {
  const { client, notify } = useApp();
  const { status } = useConnection(client);
  const { members, setMembers, error, setError } = useMembers(client, list.id, status);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<MemberRole>('editor');
  const [busy, setBusy] = useState(false);
  const isOwner = list.role === 'owner';
  const owner = members?.find((m) => m.role === 'owner');

  const share = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const member = await client.share(list.id, email.trim(), role);
      setMembers((old) => [...(old ?? []).filter((m) => m.userId !== member.userId), member]);
      setEmail('');
      notify(`Shared with ${member.name} (${member.role}).`, 'info');
    } catch (err) {
      setError(
        isClientError(err) && err.code === 'not_found'
          ? 'No account has that email address.'
          : isClientError(err)
            ? errorMessage(err)
            : 'Sharing failed.',
      );
    } finally {
      setBusy(false);
    }
  };

  const unshare = async (m: Member) => {
    if (!confirm(`Remove ${m.name} from “${list.name}”?`)) return;
    try {
      await client.unshare(list.id, m.userId);
      setMembers((old) => (old ?? []).filter((x) => x.userId !== m.userId));
    } catch (err) {
      setError(isClientError(err) ? errorMessage(err) : 'Removing failed.');
    }
  };

  return (
    <section class="members" id="members" aria-label="Members">
      <h3>Members</h3>
      {status !== 'online' && <p class="muted">Members and sharing need a connection to the server.</p>}
      {members && (
        <ul class="member-list">
          {members.map((m) => (
            <li key={m.userId}>
              <span class="member-name">{m.name}</span> <span class="muted member-email">{m.email}</span>{' '}
              <span class={`badge role-${m.role}`}>{m.role}</span>
              {isOwner && m.role !== 'owner' && (
                <button
                  type="button"
                  class="quiet danger"
                  aria-label={`Remove ${m.name}`}
                  disabled={status !== 'online'}
                  onClick={() => void unshare(m)}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {!isOwner && owner && <OwnerActions owner={owner} online={status === 'online'} />}
      {isOwner && (
        <form class="share-form" onSubmit={(e) => void share(e)}>
          <div class="field grow">
            <label for="share-email">Share with (email)</label>
            <input
              id="share-email"
              type="email"
              required
              value={email}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="share-role">Role</label>
            <select id="share-role" value={role} onChange={(e) => setRole(e.currentTarget.value as MemberRole)}>
              <option value="editor">Editor (can change)</option>
              <option value="viewer">Viewer (read only)</option>
            </select>
          </div>
          <button type="submit" class="primary" disabled={busy || status !== 'online'}>
            Share
          </button>
        </form>
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
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
