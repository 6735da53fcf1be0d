/** The people of the open list: its members (online only) and who is present, shared by the list's parts. */
import { createContext } from 'preact';
import { useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Member, Presence, PresenceHandle, TodoClient } from '../sdk';
import { errorMessage, isClientError } from './format';
import { useConnection } from './hooks';

export interface People {
  /** The list's members, or null before the first answer (and offline). */
  members: Member[] | null;
  membersError: string;
  /** Everyone present in the list now, this user included. */
  present: Presence[];
  /** Says which task this user has open (null: none). */
  look: (taskId: string | null) => void;
  me: string;
}

const NOBODY: People = { members: null, membersError: '', present: [], look: () => undefined, me: '' };

export const PeopleCtx = createContext<People>(NOBODY);

export const usePeople = (): People => useContext(PeopleCtx);

/** What to call a user: "You", a member's name, or a presence's name; else "A former member". */
export function nameOf(people: People, userId: string | null, you = 'You'): string {
  if (!userId) return 'Nobody';
  if (userId === people.me) return you;
  return (
    people.members?.find((m) => m.userId === userId)?.name ??
    people.present.find((p) => p.userId === userId)?.name ??
    'A former member'
  );
}

/** Members and presence of one list, for a PeopleCtx.Provider. */
export function usePeopleOf(client: TodoClient, listId: string): People {
  const members = useMembers(client, listId);
  const [present, setPresent] = useState<Presence[]>([]);
  const handle = useRef<PresenceHandle | null>(null);
  useEffect(() => {
    setPresent([]);
    const h = client.presence(listId, setPresent);
    handle.current = h;
    return () => {
      handle.current = null;
      h();
    };
  }, [client, listId]);
  const me = client.user?.id ?? '';
  return useMemo(
    () => ({ ...members, present, me, look: (taskId: string | null) => handle.current?.move(taskId) }),
    [members, present, me],
  );
}

/** The members of a list: read when online, and again whenever a member is added, changes role or goes. */
function useMembers(client: TodoClient, listId: string): { members: Member[] | null; membersError: string } {
  const { status } = useConnection(client);
  const [state, setState] = useState<{ members: Member[] | null; membersError: string }>({
    members: null,
    membersError: '',
  });
  useEffect(() => {
    if (status !== 'online') return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      client.members(listId).then(
        (members) => {
          if (live) setState({ members, membersError: '' });
        },
        (e: unknown) => {
          if (live)
            setState((old) => ({
              ...old,
              membersError: isClientError(e) ? errorMessage(e) : 'Could not load the members.',
            }));
        },
      );
    };
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(load, 100);
    };
    load();
    const offMember = client.on('member', (e) => {
      if (e.listId === listId) soon();
    });
    const offChange = client.on('change', (e) => {
      if (e.lists) soon(); // our own role, or the list's name
    });
    return () => {
      live = false;
      clearTimeout(timer);
      offMember();
      offChange();
    };
  }, [client, listId, status]);
  return state;
}

/** Initials of a name: "Alice Martin" → "AM". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters.map((w) => Array.from(w)[0]?.toUpperCase() ?? '').join('') || '?';
}

/** Dark enough for white text (at least 4.5:1) */
const FACE_COLOURS = ['#1d4ed8', '#047857', '#9d174d', '#7c2d12', '#5b21b6', '#0e7490', '#374151', '#a21caf'];

function colourOf(userId: string): string {
  let h = 0;
  for (const c of userId) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return FACE_COLOURS[h % FACE_COLOURS.length];
}

/** A person's initials in a coloured circle; `label` names them to screen readers (else hidden, when named beside). */
export function Face({
  userId,
  name,
  label,
  small,
}: {
  userId: string;
  name: string;
  label?: string;
  small?: boolean;
}) {
  return (
    <span
      class={`face${small ? ' small' : ''}`}
      style={{ background: colourOf(userId) }}
      title={label ?? name}
      role={label ? 'img' : undefined}
      aria-label={label}
      aria-hidden={label ? undefined : 'true'}
      data-user-id={userId}
    >
      {initials(name)}
    </span>
  );
}

/** The people present in a list (or on a task), as faces, with one sentence for screen readers. */
export function Faces({ people, where, small }: { people: Presence[]; where: string; small?: boolean }) {
  if (people.length === 0) return null;
  const names = people.map((p) => p.name).join(', ');
  return (
    <span class="faces" role="group" aria-label={`${where}: ${names}`}>
      {people.slice(0, 5).map((p) => (
        <Face key={p.userId} userId={p.userId} name={p.name} small={small} />
      ))}
      {people.length > 5 && <span class="faces-more">+{people.length - 5}</span>}
    </span>
  );
}
