/**
 * The chaos run's setup, before any load: users (each with its Inbox and a second list shared with
 * three others), a canary user whose list is shared with everyone, each list's seq as the run starts,
 * and the devices, each connected to a node and synced.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { AuthResult, List, SyncResult } from '../../shared/types';
import { Device, type Mutation } from './device';
import type { Control } from './options';
import { newCounters, type DeviceCounters } from './replica';
import { ask, plainSocket, retry, short } from './wire';

const PASSWORD = 'chaos-password-1';

export interface User {
  id: string;
  email: string;
  token: string;
  inbox: string;
  /** Its own second list, shared with three others. */
  shared: string;
}

/** Members of each shared list besides its owner, by list (kept up to date by the acks of share and unshare). */
export type Members = Map<string, Map<string, 'editor' | 'viewer'>>;

export interface World {
  users: User[];
  canaryAuth: AuthResult;
  canaryList: List;
  /** Members of each shared list besides its owner; and the ones taken off it. */
  members: Members;
  removed: Members;
  listCount: number;
  /** Each list's seq as the run starts. */
  startSeqs: Map<string, number>;
}

async function register(url0: string, name: string): Promise<AuthResult> {
  const res = await fetch(`${url0}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${name}-${short()}@chaos.example.com`, password: PASSWORD, name }),
    signal: AbortSignal.timeout(15_000),
  });
  if (res.status !== 201) throw new Error(`register: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as AuthResult;
}

/** `count` users, eight at a time: each registered, its Inbox read, its second list made. */
async function createUsers(url0: string, count: number): Promise<User[]> {
  const users: User[] = [];
  for (let i = 0; i < count; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, count - i) }, async (_, k) => {
        const auth = await retry(() => register(url0, `u${i + k}`));
        const s = await retry(() => plainSocket(url0, auth.token));
        try {
          const first: SyncResult = await ask(s, 'sync', {});
          const { list } = await ask(s, 'list:create', { name: `shared by u${i + k}`, mutationId: randomUUID() });
          return {
            id: auth.user.id,
            email: auth.user.email,
            token: auth.token,
            inbox: first.lists[0].id,
            shared: list.id,
          };
        } finally {
          s.close();
        }
      }),
    );
    users.push(...batch);
  }
  return users;
}

/** Users, lists, shares (a canary list shared with everyone), and each list's seq then. */
export async function setUp(c: Control, url0: string, dbUrl: string): Promise<World> {
  const users = await createUsers(url0, c.o.users);
  const canaryAuth = await register(url0, 'canary');
  const canarySocket = await plainSocket(url0, canaryAuth.token);
  const { list: canaryList } = await ask(canarySocket, 'list:create', { name: 'canary', mutationId: randomUUID() });
  const members: Members = new Map();
  const removed: Members = new Map();
  for (let i = 0; i < users.length; i++) {
    const owner = users[i];
    const s = await plainSocket(url0, owner.token);
    try {
      const m = new Map<string, 'editor' | 'viewer'>();
      for (const [k, role] of [
        [1, 'editor'],
        [2, 'editor'],
        [3, 'viewer'],
      ] as const) {
        const other = users[(i + k) % users.length];
        await ask(s, 'list:share', { listId: owner.shared, email: other.email, role });
        m.set(other.id, role);
      }
      members.set(owner.shared, m);
      removed.set(owner.shared, new Map());
    } finally {
      s.close();
    }
    await ask(canarySocket, 'list:share', { listId: canaryList.id, email: owner.email, role: 'viewer' });
  }
  canarySocket.close();
  const listCount = users.length * 2 + 1;
  c.stillOn();
  c.log(`chaos: ${users.length} users, ${listCount} lists (${c.elapsed().toFixed(1)} s)`);
  return { users, canaryAuth, canaryList, members, removed, listCount, startSeqs: await readSeqs(dbUrl) };
}

/** The database as the run starts: each list's seq. */
async function readSeqs(dbUrl: string): Promise<Map<string, number>> {
  const direct = new pg.Client({ connectionString: dbUrl });
  await direct.connect();
  direct.on('error', () => undefined);
  const startSeqs = new Map<string, number>();
  try {
    const { rows } = await direct.query<{ id: string; seq: string }>('SELECT id, seq FROM lists');
    for (const r of rows) startSeqs.set(r.id, Number(r.seq));
  } finally {
    await direct.end();
  }
  return startSeqs;
}

export interface Fleet {
  /** The users' devices, and the canary: a device of the canary user, which makes one change after each fault. */
  devices: Device[];
  canary: Device;
  userOf: Map<Device, User>;
}

/**
 * The devices, `sockets` of them over the users, and the canary, each connected and synced; pushed
 * into `devices` and `others` as they are made (the run stops them all, whatever happens).
 */
export async function startDevices(
  c: Control,
  world: World,
  nodeUrls: string[],
  counters: DeviceCounters,
  answered: (m: Mutation) => void,
  into: { devices: Device[]; others: Device[] },
): Promise<Fleet> {
  const { users, canaryAuth, canaryList } = world;
  const { devices, others } = into;
  const userOf = new Map<Device, User>();
  const perUser = Math.floor(c.o.sockets / users.length);
  for (let i = 0; i < c.o.sockets; i++) {
    const u = users[i % users.length];
    const d = new Device({
      index: i,
      userId: u.id,
      token: u.token,
      nodes: nodeUrls,
      first: i % nodeUrls.length,
      counters,
      answered,
    });
    devices.push(d);
    userOf.set(d, u);
  }
  const canary = new Device({
    index: -1,
    userId: canaryAuth.user.id,
    token: canaryAuth.token,
    nodes: nodeUrls,
    first: 0,
    counters: newCounters(),
    answered,
  });
  others.push(canary);
  for (const d of devices) d.watch = canaryList.id;
  for (let i = 0; i < devices.length; i += 50) await Promise.all(devices.slice(i, i + 50).map((d) => d.start()));
  await canary.start();
  c.stillOn();
  c.log(
    `chaos: ${devices.length} devices connected and synced (about ${perUser} a user) (${c.elapsed().toFixed(1)} s)`,
  );
  return { devices, canary, userOf };
}
