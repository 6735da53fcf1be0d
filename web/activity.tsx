/** A list's activity (or one task's): "Bob changed the title from … to …, 2 min ago", newest first, paged. */
import { useEffect, useState } from 'preact/hooks';
import type { Activity, TodoClient } from '../sdk';
import { nameOf, usePeople, type People } from './collab';
import { dueLabel, errorMessage, isClientError, PRIORITIES } from './format';
import { useApp, useConnection } from './hooks';

const PAGE = 20;

export function ActivityPanel({ listId, taskId, id }: { listId: string; taskId?: string; id: string }) {
  const { client } = useApp();
  const people = usePeople();
  const { status } = useConnection(client);
  const [entries, setEntries] = useState<Activity[]>([]);
  /** The cursor for older entries (undefined until the first page came, null on the last page). */
  const [next, setNext] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const now = useNow();

  // the newest page on open, when back online and after every change of the list (merged with what is shown)
  useEffect(() => {
    if (status !== 'online') return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      client.activity(listId, { taskId, limit: PAGE }).then(
        (page) => {
          if (!live) return;
          setEntries((old) => merge(old, page.entries));
          setNext((old) => (old === undefined ? page.next : old));
          setError('');
        },
        (e: unknown) => live && setError(isClientError(e) ? errorMessage(e) : 'Could not load the activity.'),
      );
    };
    load();
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(load, 300);
    };
    const offChange = client.on('change', (e) => e.listIds.includes(listId) && soon());
    const offMember = client.on('member', (e) => e.listId === listId && soon());
    return () => {
      live = false;
      clearTimeout(timer);
      offChange();
      offMember();
    };
  }, [client, listId, taskId, status]);

  const older = async () => {
    if (!next) return;
    setBusy(true);
    try {
      const page = await loadPage(client, listId, taskId, next);
      setEntries((old) => merge(old, page.entries));
      setNext(page.next);
    } catch (e) {
      setError(isClientError(e) ? errorMessage(e) : 'Could not load the activity.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="activity" id={id} aria-label={taskId ? 'History of this task' : 'Activity'}>
      <h3>{taskId ? 'History' : 'Activity'}</h3>
      {status !== 'online' && <p class="muted">The activity needs a connection to the server.</p>}
      {next !== undefined && entries.length === 0 && <p class="muted">Nothing yet.</p>}
      <ol class="activity-list">
        {entries.map((a) => (
          <li key={a.id} data-kind={a.kind}>
            <span class="activity-text">{describe(a, people, client, !taskId)}</span>{' '}
            <time class="muted" dateTime={a.at} title={new Date(a.at).toLocaleString()}>
              {ago(a.at, now)}
            </time>
          </li>
        ))}
      </ol>
      {next && (
        <button type="button" class="quiet" disabled={busy || status !== 'online'} onClick={() => void older()}>
          Show older
        </button>
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function loadPage(client: TodoClient, listId: string, taskId: string | undefined, before: string) {
  return client.activity(listId, { taskId, before, limit: PAGE });
}

/** Newest first, each entry once (by seq: one entry per change). */
function merge(old: Activity[], more: Activity[]): Activity[] {
  const byId = new Map(old.map((a) => [a.id, a]));
  for (const a of more) byId.set(a.id, a);
  return [...byId.values()].sort((x, y) => y.seq - x.seq);
}

/** Re-renders every 30 s, so "2 min ago" moves on. */
function useNow(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

export function ago(at: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(at)) / 1000));
  if (s < 45) return 'just now';
  const min = Math.round(s / 60);
  if (min < 60) return `${String(min)} min ago`;
  const h = Math.round(min / 60);
  if (h < 24) return `${String(h)} h ago`;
  const d = Math.round(h / 24);
  return d === 1 ? 'yesterday' : d < 7 ? `${String(d)} days ago` : new Date(at).toLocaleDateString();
}

const quote = (v: unknown) => `“${typeof v === 'string' ? v : ''}”`;
const dueText = (v: unknown) => (typeof v === 'string' ? dueLabel(v).text : 'none');
const prioText = (v: unknown) =>
  typeof v === 'number' ? (v >= 0 && v < PRIORITIES.length ? PRIORITIES[v] : String(v)) : 'none';

/** One sentence: who did what (`named`: the task is named, in a list's activity). */
export function describe(a: Activity, people: People, client: TodoClient, named: boolean): string {
  const who = nameOf(people, a.actorId);
  const title = a.taskId ? client.task(a.taskId)?.title : undefined;
  const it = named ? (title ? `“${title}”` : 'a task') : 'this task';
  const member = nameOf(people, a.userId, 'you');
  const ch = a.changes ?? {};
  switch (a.kind) {
    case 'task.created':
      return `${who} added ${it}`;
    case 'task.deleted':
      return `${who} deleted ${it}`;
    case 'task.restored':
      return `${who} restored ${it}`;
    case 'task.updated': {
      const parts = Object.entries(ch).map(([field, [from, to]]) => change(field, from, to, people, named ? it : ''));
      return `${who} ${parts.join(', ') || `changed ${it}`}`;
    }
    case 'comment.created':
      return `${who} commented on ${it}`;
    case 'comment.updated':
      return `${who} edited a comment on ${it}`;
    case 'comment.deleted':
      return `${who} deleted a comment on ${it}`;
    case 'list.renamed':
      return `${who} renamed the list`;
    case 'member.added':
      return `${who} added ${member} to the list`;
    case 'member.updated': {
      const [from, to] = 'role' in ch ? ch.role : [];
      return `${who} changed ${member === 'you' ? 'your' : `${member}’s`} role from ${String(from)} to ${String(to)}`;
    }
    case 'member.removed':
      return a.userId === a.actorId ? `${who} left the list` : `${who} removed ${member} from the list`;
    default:
      return `${who}: ${String(a.kind)}`;
  }
}

/** One field's change; `it`: the task's name (in a list's activity), else '' (the task is the one open). */
function change(field: string, from: unknown, to: unknown, people: People, it: string): string {
  const of = it && ` of ${it}`;
  const obj = it || 'it';
  switch (field) {
    case 'title':
      return `changed the title from ${quote(from)} to ${quote(to)}`;
    case 'notes':
      return `${to ? 'edited' : 'cleared'} the notes${of}`;
    case 'completed':
      return `marked ${obj} ${to ? 'done' : 'not done'}`;
    case 'dueAt':
      return to ? `set the due date${of} to ${dueText(to)}` : `removed the due date${of}`;
    case 'priority':
      return `changed the priority${of} from ${prioText(from)} to ${prioText(to)}`;
    case 'position':
      return `moved ${obj}`;
    case 'listId':
      return `moved ${obj} to another list`;
    case 'assigneeId':
      return to
        ? `assigned ${obj} to ${nameOf(people, typeof to === 'string' ? to : null, 'you')}`
        : `removed the assignee${of}`;
    default:
      return `changed ${field}${of}`;
  }
}
