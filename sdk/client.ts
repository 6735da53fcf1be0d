/**
 * The client, a facade over parts that call nothing of each other (each tells it what happened): session.ts,
 * connection.ts, replica.ts kept by sync-loop.ts, queue.ts sent by sender.ts, view.ts (replica + queue
 * replayed by mutators.ts), presence.ts. It wires them and tells the app what changed.
 */
import type { ServerEventMessage, TaskPatch } from '../shared/events';
import type { ApiError, AuthResult, Comment, List, Presence, Task, User } from '../shared/types';
import * as changes from './changes';
import { ACK_TIMEOUT_MS, Connection } from './connection';
import { Emitter, Subscriptions } from './emitter';
import { apiError, now, refused, TodoClientError, uuid } from './errors';
import { answer, type Answering } from './mutators';
import { placeBetween } from './placement';
import { Queue, type Mutation } from './queue';
import { Replica } from './replica';
import { OnlineCalls } from './online';
import { PresenceSubscriptions } from './presence';
import { Saver } from './saver';
import { Sender } from './sender';
import { Session } from './session';
import { memoryStorage } from './storage';
import { KEYS, Store } from './store';
import { SyncLoop } from './sync-loop';
import type {
  ClientEvents,
  ClientOptions,
  CommentView,
  ConnectionStatus,
  ListView,
  TaskFieldsInput,
  TaskView,
  PresenceHandle,
  TodoClient,
} from './types';
import { View } from './view';

class Client implements TodoClient {
  private readonly store: Store;
  private readonly session: Session;
  private readonly connection: Connection;
  private readonly view = new View();
  private readonly replica = new Replica(this.view);
  private readonly queue = new Queue();
  private readonly sync: SyncLoop;
  private readonly sender: Sender;
  private readonly saver: Saver;
  private readonly online: OnlineCalls;
  private readonly events = new Emitter();
  private readonly subs = new Subscriptions<TaskView[]>();
  private readonly presences = new PresenceSubscriptions({
    connected: () => this.connection.connected,
    call: (event, payload) => this.connection.call(event, payload, ACK_TIMEOUT_MS),
    refused: (listId, error) => this.events.emit('presenceRefused', { listId, error }),
  });
  private syncedWaiters: Array<() => void> = [];
  private closed = false;
  /** The queue's length at the last 'change' (a change fires when it moves, so pendingCount() can be shown). */
  private queueSeen = 0;
  /** What each queued change's answer may do: feed events in, ask for a sync. */
  private readonly answering: Answering = {
    receive: (ev) => this.sync.receive(ev),
    needsSync: () => this.sync.request(),
    replica: this.replica,
  };

  constructor(options: ClientOptions) {
    const url = options.url.replace(/\/+$/, '');
    this.view.attach(this.replica);
    this.store = new Store(options.storage ?? memoryStorage());
    this.session = new Session(url, options, this.store, {
      closed: () => this.closed,
      refreshed: (token) => this.connection.tellToken(token),
      failed: (reason) => {
        this.connection.halt();
        this.events.emit('auth', { reason });
      },
    });
    this.connection = new Connection(url, options, {
      mayConnect: () => !this.closed && this.session.current !== null && !this.session.authNeeded,
      token: () => this.session.current?.token ?? '',
      restart: () => this.sync.restart(),
      syncNeeded: () => this.sync.request(),
      live: (ev) => this.fed(ev),
      status: (s) => {
        this.events.emit('status', s);
        this.checkSynced();
      },
      expired: () => this.session.fail('expired'),
      refused: () => this.session.refused(),
      connected: () => this.presences.rejoin(),
      presence: (state) => this.presences.state(state),
      mention: (comment) => this.events.emit('mention', { comment }),
    });
    this.sync = new SyncLoop(this.replica, {
      canSync: () => this.connection.connected && !this.closed,
      send: (payload, timeoutMs) => this.connection.call('sync', payload, timeoutMs),
      userId: () => this.session.user?.id,
      commit: () => this.commit(),
      idle: () => void this.sender.pump(),
    });
    this.sender = new Sender(this.queue, {
      canSend: () => !this.closed && !this.session.authNeeded && this.connection.connected && this.sync.idle,
      connected: () => this.connection.connected,
      stored: () => this.store.written(),
      send: (m) => this.connection.call(m.event, m.payload, ACK_TIMEOUT_MS),
      acked: (m, data) => this.acked(m, data),
      refused: (m, error) => this.refused(m, error),
    });
    this.saver = new Saver(this.store, this.replica, this.queue, {
      userId: () => this.session.user?.id,
      closed: () => this.closed,
    });
    this.online = new OnlineCalls({
      canCall: () => this.connection.connected && !this.session.authNeeded,
      call: (event, payload) => this.connection.call(event, payload, ACK_TIMEOUT_MS),
      userId: () => this.session.user?.id,
      receive: (ev) => this.fed(ev),
      left: (listIds) => this.dropLeft(listIds), // no seqs, no member:removed here: dropped now
      trashed: (tasks) => tasks.forEach((t) => this.replica.remember(t)),
    });
  }

  /** A live event (or an answer fed in as one); a member event is also told as 'member'. */
  private fed(ev: ServerEventMessage): void {
    this.sync.receive(ev);
    this.commit();
    if (ev.event === 'member:added' || ev.event === 'member:updated')
      this.events.emit('member', { listId: ev.payload.member.listId, userId: ev.payload.member.userId });
    else if (ev.event === 'member:removed')
      this.events.emit('member', { listId: ev.payload.listId, userId: ev.payload.userId });
  }

  // ---------------------------------------------------------------- start, session

  async load(): Promise<void> {
    const session = await this.saver.load();
    if (!session) return;
    this.session.resume(session);
    this.view.listsChanged();
    this.replica.dirty = false;
    this.commit();
    if (this.session.revive()) this.connection.connect();
  }

  get user(): User | null {
    return this.session.user;
  }

  get status(): ConnectionStatus {
    return this.connection.status;
  }

  register(email: string, password: string, name: string): Promise<User> {
    return this.signIn('/api/auth/register', { email, password, name });
  }

  login(email: string, password: string): Promise<User> {
    return this.signIn('/api/auth/login', { email, password });
  }

  private async signIn(path: string, body: Record<string, string>): Promise<User> {
    const auth = await this.session.authenticate(path, body);
    this.startSession(auth);
    return auth.user;
  }

  /** Revokes the token on the server (within 5 s, else not) and forgets everything here at once; the device cookie is kept. */
  async logout(): Promise<void> {
    const token = this.session.end();
    const revoked = token === undefined ? Promise.resolve() : this.session.revoke(token);
    this.connection.drop();
    this.connection.stopReconnecting();
    this.resetLocal();
    this.store.write(KEYS.session, undefined);
    this.connection.setStatus('offline');
    this.events.emit('session', null);
    await Promise.all([this.store.written(), revoked]);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connection.drop();
    this.session.stop();
    this.connection.stopReconnecting();
    this.sender.stop();
    this.sync.stop();
    this.saver.close();
    this.connection.setStatus('offline');
  }

  private startSession(auth: AuthResult): void {
    if (this.closed) return;
    if (this.session.user?.id !== auth.user.id) {
      // another user (or none before): their replica and queue are not this one's
      this.connection.drop();
      this.resetLocal();
    }
    this.session.begin(auth);
    this.connection.newToken();
    this.saver.queueSoon(); // the queue's owner
    this.events.emit('session', auth.user);
    if (this.connection.connected) void this.connection.tellToken(auth.token);
    else this.connection.connect();
  }

  /** Forgets the replica and queue (a logout, or another user's login). */
  private resetLocal(): void {
    this.view.touchAll();
    this.replica.clear();
    this.queue.clear();
    this.sync.restart();
    this.saver.forget();
    this.commit();
  }

  /** Brings the view up to date and tells the app what changed (synchronously). */
  private commit(): void {
    if (this.sync.settled && this.queue.settle()) this.saver.queueSoon(); // their effects are in the replica now
    this.view.update(this.queue.all(), this.session.user?.id ?? '');
    if (this.replica.dirty) this.saver.replicaSoon();
    const { listIds, lists } = this.view.take();
    const queueMoved = this.queue.length !== this.queueSeen;
    this.queueSeen = this.queue.length;
    if (listIds.length > 0 || lists || queueMoved) {
      this.events.emit('change', { listIds, lists });
      for (const id of listIds) this.subs.notify(id, () => this.tasks(id));
    }
    this.checkSynced();
  }

  lists(): ListView[] {
    return this.view.lists();
  }

  list(id: string): ListView | undefined {
    return this.view.list(id);
  }

  tasks(listId: string): TaskView[] {
    return this.view.tasks(listId);
  }

  task(id: string): TaskView | undefined {
    return this.view.task(id);
  }

  subscribe(listId: string, cb: (tasks: TaskView[]) => void): () => void {
    return this.subs.add(listId, cb, this.tasks(listId));
  }

  on<E extends keyof ClientEvents>(event: E, cb: ClientEvents[E]): () => void {
    return this.events.on(event, cb);
  }

  pendingCount(): number {
    return this.queue.length;
  }

  synced(): Promise<void> {
    return new Promise((resolve) => {
      this.syncedWaiters.push(resolve);
      this.checkSynced();
    });
  }

  private checkSynced(): void {
    if (this.syncedWaiters.length === 0) return;
    const done =
      this.connection.status === 'online' && this.sync.settled && this.queue.length === 0 && !this.queue.hasAnswered;
    if (!done) return;
    const waiters = this.syncedWaiters;
    this.syncedWaiters = [];
    for (const resolve of waiters) resolve();
  }

  createList(name: string, id: string = uuid()): Promise<List> {
    return this.enqueue({ event: 'list:create', payload: { id, name, mutationId: uuid() }, at: now() });
  }

  renameList(id: string, name: string): Promise<List> {
    return this.enqueue({ event: 'list:rename', payload: { id, name, mutationId: uuid() }, at: now() });
  }

  deleteList(id: string): Promise<void> {
    return this.enqueue({ event: 'list:delete', payload: { id, mutationId: uuid() }, at: now() });
  }

  createTask(listId: string, fields: TaskFieldsInput): Promise<Task> {
    const { id = uuid(), ...rest } = fields;
    return this.enqueue({ event: 'task:create', payload: { ...rest, listId, id, mutationId: uuid() }, at: now() });
  }

  updateTask(id: string, patch: TaskPatch, opts: { expectedVersion?: number } = {}): Promise<Task> {
    return this.enqueue(changes.taskUpdate(id, patch, opts.expectedVersion));
  }

  deleteTask(id: string, opts: { expectedVersion?: number } = {}): Promise<void> {
    return this.enqueue(changes.taskDelete(id, opts.expectedVersion));
  }

  restoreTask(id: string): Promise<Task> {
    return this.enqueue({ event: 'task:restore', payload: { id, mutationId: uuid() }, at: now() });
  }

  moveTask(id: string, before: string | null, after: string | null): Promise<Task> {
    const task = this.task(id);
    const placement = task ? placeBetween(this.tasks(task.listId), id, before, after) : changes.noTask();
    if (placement instanceof TodoClientError) return refused(placement);
    for (const k of placement.rekey) void this.updateTask(k.id, { position: k.position });
    return this.updateTask(id, { position: placement.position });
  }

  addComment(taskId: string, body: string, opts: { mentions?: string[]; id?: string } = {}): Promise<Comment> {
    return this.enqueue(changes.commentCreate(taskId, body, opts));
  }

  editComment(id: string, body: string, opts: { mentions?: string[] } = {}): Promise<Comment> {
    return this.enqueue(changes.commentUpdate(id, body, opts.mentions));
  }

  deleteComment(id: string): Promise<void> {
    return this.enqueue(changes.commentDelete(id));
  }

  comments(taskId: string): CommentView[] {
    return this.view.comments(taskId);
  }

  private enqueue<T>(m: Mutation): Promise<T> {
    if (!this.session.current)
      return refused(new TodoClientError('unauthorized', 'Not logged in', undefined, undefined, m.event));
    const p = this.queue.add<T>(m);
    this.saver.queueSoon();
    this.commit();
    void this.sender.pump();
    return p;
  }

  /** The server applied `m`: its answer is fed in as the events the other devices got. */
  private acked(m: Mutation, data: unknown): void {
    const waiter = this.queue.acked(m);
    const result = answer(m, data, this.answering);
    this.saver.queueSoon();
    this.commit();
    waiter?.resolve(result);
  }

  /** The server refused `m`: rolled back (the replay no longer holds it) and reported. */
  private refused(m: Mutation, error: ApiError): void {
    const waiter = this.queue.refused(m);
    const err = apiError(error, m.event);
    if (error.code === 'conflict' && !err.task)
      this.sync.request(); // moved meanwhile
    else if (error.code === 'conflict' && err.task && this.replica.lists.has(err.task.listId))
      this.replica.putTask(err.task);
    this.saver.queueSoon();
    this.commit();
    this.events.emit('error', err);
    waiter?.reject(err);
  }

  // ---------------------------------------------------------------- online-only calls (online.ts)
  readonly members: TodoClient['members'] = (listId) => this.online.members(listId);
  readonly share: TodoClient['share'] = (listId, email, role) => this.online.share(listId, email, role);
  readonly unshare: TodoClient['unshare'] = (listId, userId) => this.online.unshare(listId, userId);
  readonly leave: TodoClient['leave'] = (listId) => this.online.leave(listId);
  readonly leaveAllFrom: TodoClient['leaveAllFrom'] = (ownerId) => this.online.leaveAllFrom(ownerId);
  readonly block: TodoClient['block'] = (userId, opts = {}) => this.online.block(userId, opts);
  readonly unblock: TodoClient['unblock'] = (userId) => this.online.unblock(userId);
  readonly blocks: TodoClient['blocks'] = () => this.online.blocks();
  readonly trash: TodoClient['trash'] = (listId, opts = {}) => this.online.trash(listId, opts);
  readonly activity: TodoClient['activity'] = (listId, opts) => this.online.activity(listId, opts);
  presence(listId: string, cb: (present: Presence[]) => void, taskId?: string | null): PresenceHandle {
    return this.presences.add(listId, cb, taskId);
  }

  private dropLeft(listIds: string[]): void {
    if (!listIds.length) return;
    for (const id of listIds) this.replica.dropList(id);
    if (this.sync.running) this.sync.request();
    this.commit();
  }
}

/** Loads the stored session, replica and queue, and connects when a session is stored. */
export async function createClient(options: ClientOptions): Promise<TodoClient> {
  const client = new Client(options);
  await client.load();
  return client;
}
