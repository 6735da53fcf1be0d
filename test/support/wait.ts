/**
 * Waiting for what a socket has seen: record() keeps every event a socket receives, seen() waits
 * until one matching a test has come (or had come), and flush() is the barrier built on it.
 */
import type { EventPayload, ServerEventName } from '../../shared/events';
import type { Task } from '../../shared/types';
import { inboxOf, request, watchEvents, type ClientSocket, type TestServer, type TestUser } from './server';
import { uuid } from './util';

/** A server event as a socket received it: one of the contract's, with its payload (narrow on `event`). */
export type SeenEvent = { [E in ServerEventName]: { event: E; payload: EventPayload<E> } }[ServerEventName];

/** An event from onAny, which types neither name nor payload: the server sends only the contract's events. */
export const asSeen = (event: string, payload: unknown): SeenEvent => ({ event, payload }) as SeenEvent;

/** Records every server event a socket receives, in order. */
export function record(socket: ClientSocket): SeenEvent[] {
  const seen: SeenEvent[] = [];
  watchEvents(socket); // each event checked against the AsyncAPI document
  socket.onAny((event: string, payload: unknown) => seen.push(asSeen(event, payload)));
  return seen;
}

/** The payload of `e`, which must be an `event` (throws otherwise). */
export function payloadOf<E extends ServerEventName>(e: SeenEvent, event: E): EventPayload<E> {
  if (e.event !== event) throw new Error(`expected ${event}, got ${e.event}`);
  return e.payload;
}

/**
 * Resolves with the first event `socket` receives for which `match` holds, or with one already in
 * `among` (events recorded earlier with record()); rejects after `timeoutMs`.
 */
export function seen(
  socket: ClientSocket,
  match: (e: SeenEvent) => boolean,
  { among = [], timeoutMs = 5000 }: { among?: SeenEvent[]; timeoutMs?: number } = {},
): Promise<SeenEvent> {
  watchEvents(socket);
  return new Promise((resolve, reject) => {
    const found = among.find(match);
    if (found) {
      resolve(found);
      return;
    }
    const timer = setTimeout(() => {
      socket.offAny(on);
      reject(new Error(`not seen within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (event: string, payload: unknown) => {
      const e = asSeen(event, payload);
      if (!match(e)) return;
      clearTimeout(timer);
      socket.offAny(on);
      resolve(e);
    };
    socket.onAny(on);
  });
}

/**
 * A barrier: makes a change only `user` sees (a task titled `title` in their Inbox, over HTTP) and
 * waits until each of `sockets` has received it. Events to one socket are ordered, so whatever the
 * server sent those sockets before has arrived. Resolves with the marker task.
 */
export async function flush(
  server: TestServer,
  user: TestUser & { inbox?: string },
  sockets: ClientSocket[],
  title = `marker ${uuid()}`,
): Promise<Task> {
  const arrived = sockets.map((s) => seen(s, (e) => e.event === 'task:created' && e.payload.task.title === title));
  const res = await request<{ task: Task }>(
    server,
    'POST',
    `/api/lists/${user.inbox ?? (await inboxOf(server, user.token))}/tasks`,
    {
      token: user.token,
      body: { title },
    },
  );
  if (res.status !== 201) throw new Error(`marker task: ${res.status} ${JSON.stringify(res.body)}`);
  await Promise.all(arrived);
  return res.body.task;
}
