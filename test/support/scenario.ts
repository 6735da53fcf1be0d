/**
 * The one scenario builder: people (registered users with their Inbox and devices), a list of one of
 * theirs shared with the others in given roles, and a first task in it. Every step is awaited on the
 * devices it reaches, so a test starts from a settled state.
 */
import type { MemberRole, Task } from '../../shared/types';
import {
  connect,
  inboxOf,
  next,
  ok,
  registerUser,
  type ClientSocket,
  type Open,
  type TestServer,
  type TestUser,
} from './server';

/** Someone in a scenario: a registered user, their Inbox, and the devices opened for them. */
export interface Person extends TestUser {
  /** user.id */
  id: string;
  inbox: string;
  sockets: ClientSocket[];
  /** Their first device (an error if they have none). */
  socket: ClientSocket;
}

export interface ScenarioSpec<O extends string, M extends string, S extends string, D extends Devices<O | M | S>> {
  /** The list's owner: makes the list, the shares and the task, from their first device. */
  owner: O;
  /** The people the list is shared with, in this order, with their roles. */
  members?: Record<M, Exclude<MemberRole, 'owner'>>;
  /** People registered too, members of nothing. */
  strangers?: S[];
  /** Named devices per person, returned under those names as well; anyone not named here has one device, `[]` none. */
  devices?: D;
  /** A new list of the owner's with this name; without it, the owner's Inbox. */
  list?: string;
  /** A first task in the list, made by the owner, with this title. */
  task?: string;
}

/** Device names per person. */
export type Devices<P extends string> = { [K in P]?: readonly string[] };

/** No named devices: what a spec without `devices` means. */
type NoDevices<P extends string> = { [K in P]?: readonly [] };

/** Everyone by name, the named devices, the list and its first task (an error to read when the spec made none). */
export type Scenario<P extends string, D extends Devices<P>> = { [K in P]: Person } & {
  [K in NonNullable<D[keyof D]>[number]]: ClientSocket;
} & { listId: string; task: Task };

/**
 * Builds `spec` on `server`, opening devices with `open` (see devices(): closed after the test).
 * People are registered under their key, capitalised ('alice' is "Alice").
 *   scenario(server, open, { owner: 'alice', members: { bob: 'editor' }, devices: { alice: ['phone', 'laptop'] } })
 */
export async function scenario<
  O extends string,
  M extends string = never,
  S extends string = never,
  const D extends Devices<NoInfer<O | M | S>> = NoDevices<O | M | S>,
>(server: TestServer, open: Open, spec: ScenarioSpec<O, M, S, D>): Promise<Scenario<O | M | S, D>> {
  type P = O | M | S;
  const members = Object.entries(spec.members ?? {}) as Array<[P, Exclude<MemberRole, 'owner'>]>;
  const names: P[] = [spec.owner, ...members.map(([name]) => name), ...(spec.strangers ?? [])];
  const deviceNames = Object.values(spec.devices ?? {}).flat() as string[];
  const keys = [...names, ...deviceNames, 'listId', 'task'];
  if (new Set(keys).size !== keys.length) throw new Error(`scenario: a name is used twice in ${keys.join(', ')}`);

  const result: Record<string, unknown> = {};
  const users = await Promise.all(names.map((name) => registerUser(server, name[0].toUpperCase() + name.slice(1))));
  for (const [i, name] of names.entries()) {
    const sockets: ClientSocket[] = [];
    for (const device of (spec.devices as Devices<P> | undefined)?.[name] ?? [undefined]) {
      const socket = await open(users[i].token);
      sockets.push(socket);
      if (device !== undefined) result[device] = socket;
    }
    const person = {
      ...users[i],
      id: users[i].user.id,
      inbox: await inboxOf(server, users[i].token),
      sockets,
    } as Person;
    Object.defineProperty(person, 'socket', { get: () => sockets[0] ?? fail(`${name} has no device`) });
    result[name] = person;
  }

  const owner = result[spec.owner] as Person;
  const acting = owner.sockets[0] ?? (await connect(server, owner.token)); // a device of the owner's for the set-up only
  const watchers = owner.sockets.slice(1); // the devices the list's changes reach (the acting one gets no echo)
  try {
    let listId = owner.inbox;
    if (spec.list !== undefined) {
      const created = watchers.map((s) => next(s, 'list:created', (p) => p.list.name === spec.list));
      listId = (await ok(acting, 'list:create', { name: spec.list })).list.id;
      await Promise.all(created);
    }
    result.listId = listId;
    for (const [name, role] of members) {
      const member = result[name] as Person;
      watchers.push(...member.sockets);
      await share(acting, listId, member.email, role, watchers);
    }
    let task: Task | undefined;
    if (spec.task !== undefined) {
      const title = spec.task;
      const arrived = watchers.map((s) =>
        next(s, 'task:created', (p) => p.task.listId === listId && p.task.title === title),
      );
      task = (await ok(acting, 'task:create', { listId, title })).task;
      await Promise.all(arrived);
    }
    Object.defineProperty(result, 'task', { get: () => task ?? fail('this scenario has no task') });
  } finally {
    if (acting !== owner.sockets[0]) acting.close();
  }
  return result as Scenario<P, D>;
}

/**
 * Shares `listId` with the user of `email` from the owner's socket; resolves once each of `watchers`
 * (say the new member's devices) has received the member:added.
 */
export async function share(
  owner: ClientSocket,
  listId: string,
  email: string,
  role: 'editor' | 'viewer',
  watchers: ClientSocket | ClientSocket[] = [],
): Promise<void> {
  const added = [watchers].flat().map((s) => next(s, 'member:added', (p) => p.member.listId === listId));
  await ok(owner, 'list:share', { listId, email, role });
  await Promise.all(added);
}

function fail(message: string): never {
  throw new Error(message);
}
