/** The app: the login screen, or the lists in a sidebar and the open list's tasks; status, notices, re-login. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { TodoClient } from '../sdk';
import { AuthScreen, ReloginDialog } from './auth';
import { errorMessage } from './format';
import { Ctx, useApp, useConnection, useLists, useSession, type AppContext, type UndoOffer } from './hooks';
import { AssignedView } from './assigned';
import { ListView } from './list-view';
import { ASSIGNED, Sidebar } from './sidebar';
import { undoReportsConflict, UndoToast } from './undo';

interface Notice {
  id: number;
  text: string;
  kind: 'error' | 'info';
}

let noticeIds = 0;

/** `earlyAuth`: an 'auth' event that came before the app listened (an expired stored session), once. */
export function App({
  client,
  earlyAuth = () => null,
}: {
  client: TodoClient;
  earlyAuth?: () => 'expired' | 'unauthorized' | null;
}) {
  const user = useSession(client);
  const [authReason, setAuthReason] = useState<'expired' | 'unauthorized' | null>(null);
  const [notices, setNotices] = useState<Notice[]>([]);

  const notify = useCallback((text: string, kind: 'error' | 'info' = 'error') => {
    const id = ++noticeIds;
    setNotices((old) => [...old.filter((n) => n.text !== text).slice(-3), { id, text, kind }]);
    // news goes by itself; an error stays until dismissed
    if (kind === 'info') setTimeout(() => setNotices((old) => old.filter((n) => n.id !== id)), 6000);
  }, []);
  const dismiss = (id: number) => setNotices((old) => old.filter((n) => n.id !== id));
  const [undo, setUndo] = useState<(UndoOffer & { id: number }) | null>(null);
  const offer = useCallback((o: UndoOffer) => setUndo({ ...o, id: ++noticeIds }), []);
  const undone = useCallback(() => setUndo(null), []);

  useEffect(() => {
    const offAuth = client.on('auth', (e) => setAuthReason(e.reason));
    const offSession = client.on('session', () => setAuthReason(null));
    const offError = client.on('error', (e) => {
      if (e.code === 'cancelled') return; // dropped by our own logout
      if (e.code === 'conflict' && undoReportsConflict(e.task?.id)) return; // the undo says why itself
      notify(errorMessage(e));
    });
    const early = earlyAuth();
    if (early) setAuthReason(early);
    return () => {
      offAuth();
      offSession();
      offError();
    };
  }, [client, notify, earlyAuth]);

  const app = useMemo<AppContext>(() => ({ client, notify, offer }), [client, notify, offer]);

  const logout = () => {
    const pending = client.pendingCount();
    if (
      pending > 0 &&
      !confirm(
        `${String(pending)} ${pending === 1 ? 'change has' : 'changes have'} not reached the server yet and will be lost. Log out anyway?`,
      )
    )
      return;
    setNotices([]);
    setAuthReason(null);
    void client.logout();
  };

  return (
    <Ctx.Provider value={app}>
      {user ? (
        <Home userName={user.name} onLogout={logout} blocked={authReason !== null} />
      ) : (
        <AuthScreen
          client={client}
          reason={authReason ? 'Your session ended: log in again. Changes not yet sent are kept.' : null}
        />
      )}
      {user && authReason && <ReloginDialog client={client} email={user.email} reason={authReason} onLogout={logout} />}
      <Notices notices={notices} dismiss={dismiss}>
        {user && <UndoToast key={undo?.id} offer={undo} done={undone} notify={notify} />}
      </Notices>
    </Ctx.Provider>
  );
}

/** The list id in the address (#list=<id>), or ASSIGNED (#assigned), so a reload opens the same view. */
function listFromHash(): string | null {
  if (location.hash === '#assigned') return ASSIGNED;
  const m = /^#list=([\w-]+)$/.exec(location.hash);
  return m ? m[1] : null;
}

function Home({ userName, onLogout, blocked }: { userName: string; onLogout: () => void; blocked: boolean }) {
  const { client } = useApp();
  const lists = useLists(client);
  const [wanted, setWanted] = useState<string | null>(listFromHash);
  const [menuOpen, setMenuOpen] = useState(false);
  const assigned = wanted === ASSIGNED;
  const current = assigned ? undefined : (lists.find((l) => l.id === wanted) ?? lists.at(0));
  const layout = useRef<HTMLDivElement>(null);
  const menuButton = useRef<HTMLButtonElement>(null);

  // under the login prompt the app can be neither clicked nor tabbed into
  useEffect(() => {
    if (layout.current) layout.current.inert = blocked;
  }, [blocked]);
  // the lists panel (phones): the focus goes into it when it opens, and Escape closes it
  useEffect(() => {
    if (!menuOpen) return;
    const links = layout.current?.querySelector<HTMLElement>('.list-link[aria-current]');
    (links ?? layout.current?.querySelector<HTMLElement>('.list-link'))?.focus();
  }, [menuOpen]);
  const closeMenu = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || !menuOpen) return;
    setMenuOpen(false);
    menuButton.current?.focus();
  };

  useEffect(() => {
    const onHash = () => setWanted(listFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  const open = (id: string) => {
    setWanted(id);
    history.replaceState(null, '', id === ASSIGNED ? '#assigned' : `#list=${id}`);
    setMenuOpen(false);
  };

  return (
    <div class={`layout${menuOpen ? ' menu-open' : ''}`} ref={layout} onKeyDown={closeMenu}>
      <header class="topbar">
        <button
          ref={menuButton}
          type="button"
          class="menu-button"
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          <span aria-hidden="true">☰</span> Lists
        </button>
        <h1 class="brand">Todo</h1>
        <ConnectionStatus />
        <div class="account">
          <span class="user-name" title={userName}>
            {userName}
          </span>
          <button type="button" class="quiet" onClick={onLogout}>
            Log out
          </button>
        </div>
      </header>
      <Sidebar lists={lists} currentId={assigned ? ASSIGNED : (current?.id ?? null)} onOpen={open} />
      <main class="content" id="main">
        {assigned ? (
          <AssignedView onOpen={open} />
        ) : current ? (
          <ListView key={current.id} list={current} />
        ) : (
          <p class="empty">No lists yet: create one in the sidebar.</p>
        )}
      </main>
    </div>
  );
}

const STATUS_TEXT = { online: 'Online', connecting: 'Connecting…', offline: 'Offline' } as const;

function ConnectionStatus() {
  const { client } = useApp();
  const { status, pending } = useConnection(client);
  return (
    <div class={`status status-${status}`} role="status" aria-live="polite" data-testid="status">
      <span class="dot" aria-hidden="true" />
      <span class="status-text">{STATUS_TEXT[status]}</span>
      {pending > 0 && (
        <span class="pending" data-pending={pending}>
          {' '}
          · {pending} unsent
        </span>
      )}
    </div>
  );
}

function Notices({
  notices,
  dismiss,
  children,
}: {
  notices: Notice[];
  dismiss: (id: number) => void;
  children: ComponentChildren;
}) {
  return (
    <div class="notices">
      <div class="notice-stack" aria-live="assertive">
        {notices.map((n) => (
          <div key={n.id} class={`notice ${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
            <p>{n.text}</p>
            <button type="button" class="quiet" aria-label="Dismiss message" onClick={() => dismiss(n.id)}>
              ✕
            </button>
          </div>
        ))}
      </div>
      {children}
    </div>
  );
}
