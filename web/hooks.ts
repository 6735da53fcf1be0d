/** Hooks that render from the client SDK: its replica, connection status and session. */
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { ConnectionStatus, ListView, TaskView, TodoClient } from '../sdk';
import type { User } from '../shared/types';

export interface AppContext {
  client: TodoClient;
  /** Shows a message in the notice area (errors are also announced to screen readers). */
  notify: (text: string, kind?: 'error' | 'info') => void;
  /** Shows a toast saying what was just done, with Undo when it can be undone. */
  offer: (o: UndoOffer) => void;
}

export const Ctx = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const app = useContext(Ctx);
  if (!app) throw new Error('useApp() outside <Ctx.Provider>');
  return app;
}

/** The signed-in user, re-rendered on login and logout. */
export function useSession(client: TodoClient): User | null {
  const [user, setUser] = useState(client.user);
  useEffect(() => {
    setUser(client.user);
    return client.on('session', setUser);
  }, [client]);
  return user;
}

/** The lists, in the SDK's order, re-read whenever the set of lists, a name or a role changes. */
export function useLists(client: TodoClient): ListView[] {
  const [lists, setLists] = useState(() => client.lists());
  useEffect(() => {
    setLists(client.lists());
    return client.on('change', (e) => {
      if (e.lists) setLists(client.lists());
    });
  }, [client]);
  return lists;
}

/** One list's tasks in the contract's order, from the SDK's subscription (live from every device). */
export function useTasks(client: TodoClient, listId: string): TaskView[] {
  const [tasks, setTasks] = useState<TaskView[]>(() => client.tasks(listId));
  useEffect(() => {
    setTasks(client.tasks(listId));
    return client.subscribe(listId, (next) => setTasks([...next]));
  }, [client, listId]);
  return tasks;
}

/** The connection status and the number of changes not yet acknowledged by the server. */
export function useConnection(client: TodoClient): { status: ConnectionStatus; pending: number } {
  const [state, setState] = useState(() => ({ status: client.status, pending: client.pendingCount() }));
  useEffect(() => {
    const look = () =>
      setState((old) => {
        const status = client.status;
        const pending = client.pendingCount();
        return old.status === status && old.pending === pending ? old : { status, pending };
      });
    look();
    const offStatus = client.on('status', look);
    const offChange = client.on('change', look); // the SDK fires `change` when its queue moves too (an ack)
    return () => {
      offStatus();
      offChange();
    };
  }, [client]);
  return state;
}

/** What the Undo toast offers after a change. */
export interface UndoOffer {
  /** What was done: "Saved “Milk”." */
  text: string;
  /** Undoes it, resolving with what to say ("Undone."); null: nothing to undo (the toast only tells). */
  undo: (() => Promise<string>) | null;
}
