/** The lists: one button each (the open one marked), and a form to create a list. */
import { useState } from 'preact/hooks';
import type { ListView } from '../sdk';
import { LIMITS } from '../shared/limits';
import { newId } from './format';
import { useApp } from './hooks';

/** The id the "Assigned to me" view goes by where a list id would. */
export const ASSIGNED = 'assigned-to-me';

export function Sidebar({
  lists,
  currentId,
  onOpen,
}: {
  lists: ListView[];
  currentId: string | null;
  onOpen: (id: string) => void;
}) {
  const { client } = useApp();
  const [name, setName] = useState('');

  const create = (e: Event) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    const id = newId();
    void client.createList(trimmed, id); // applied at once; a refusal is reported as an error event
    setName('');
    onOpen(id);
  };

  return (
    <nav class="sidebar" id="sidebar" aria-label="Lists">
      <button
        type="button"
        class="list-link"
        data-view="assigned"
        aria-current={currentId === ASSIGNED ? 'page' : undefined}
        onClick={() => onOpen(ASSIGNED)}
      >
        <span class="list-name">Assigned to me</span>
      </button>
      <h2 class="sidebar-title">Lists</h2>
      <ul class="lists">
        {lists.map((list) => (
          <li key={list.id}>
            <button
              type="button"
              class="list-link"
              aria-current={list.id === currentId ? 'page' : undefined}
              onClick={() => onOpen(list.id)}
            >
              <span class="list-name">{list.name}</span>
              {list.role !== 'owner' && <span class={`badge role-${list.role}`}>{list.role}</span>}
              {list.pending && (
                <span class="badge saving" title="Not yet saved on the server">
                  unsent
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
      <form class="new-list" onSubmit={create}>
        <label for="new-list-name" class="visually-hidden">
          New list name
        </label>
        <input
          id="new-list-name"
          placeholder="New list"
          maxLength={LIMITS.listNameMax}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={!name.trim()}>
          Add list
        </button>
      </form>
    </nav>
  );
}
