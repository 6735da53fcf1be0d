/**
 * The fuzz's world (test/fuzz/*.test.ts): a real server, and the users it is fuzzed with. alice fuzzes;
 * bob, carol (alice is her viewer) and dave (alice is his editor) never act during the fuzz; logout-all
 * is fuzzed on a throwaway user and random paths with a wanderer's token. The pools are the ids, emails
 * and tokens the payloads draw from. What the victims hold is read before the fuzz, to compare after it.
 * FUZZ_SEED and FUZZ_RUNS (runs per socket event) override the defaults; FUZZ_STATS=1 prints how much
 * of the fuzz got past validation.
 */
import crypto from 'node:crypto';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { QueryTypes } from 'sequelize';
import type { List, Task } from '../../shared/types';
import { testDb } from '../support/database';
import {
  connect,
  devices,
  inboxOf,
  ok,
  registerUser,
  request,
  startServer,
  TEST_SECRET,
  type Open,
  type TestServer,
  type TestUser,
} from '../support/server';
import type { Pools } from './arbitraries';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
export const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
export const HTTP_RUNS = Math.ceil(RUNS * 0.75);

/** fast-check's parameters for one property: the seed, RUNS runs unless `extra` says otherwise, at most 40 s. */
export const fuzzParams = (extra: Partial<fc.Parameters<unknown>> = {}) =>
  ({ seed: SEED, numRuns: RUNS, plugins: [fc.interruptAfterTimeLimit(40_000)], ...extra }) as fc.Parameters<unknown>;

export const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
export const sql = <T extends object>(text: string, bind: unknown[] = []) =>
  testDb().sequelize.query<T>(text, { type: QueryTypes.SELECT, bind });

/** The users and what they were given before the fuzz. */
interface Cast {
  alice: TestUser;
  victims: TestUser[];
  throwaway: TestUser;
  wanderer: TestUser;
  pools: Pools;
  readbackList: string;
  victimInboxes: string[];
  /** `${listId}/${userId}` of the non-owner memberships made before the fuzz. */
  sharedAtSetUp: Set<string>;
}

async function setUpCast(server: TestServer): Promise<Cast> {
  const [alice, bob, carol, dave, throwaway, wanderer] = await Promise.all(
    Array.from({ length: 6 }, () => registerUser(server)),
  );
  const victims = [bob, carol, dave];
  const sharedAtSetUp = new Set<string>();
  const post = <T>(u: TestUser, path: string, body: object): Promise<T> =>
    request<T>(server, 'POST', path, { token: u.token, body }).then((r) => r.body);

  const aliceLists = [await inboxOf(server, alice.token)];
  for (const name of ['Fuzz A', 'Fuzz B'])
    aliceLists.push((await post<{ list: List }>(alice, '/api/lists', { name })).list.id);
  const doomedLists: string[] = [];
  for (const name of ['Doomed 1', 'Doomed 2', 'Doomed 3'])
    doomedLists.push((await post<{ list: List }>(alice, '/api/lists', { name })).list.id);
  const readbackList = (await post<{ list: List }>(alice, '/api/lists', { name: 'Readback' })).list.id;
  const tasks: string[] = [];
  const doomedTasks: string[] = [];
  for (const [i, listId] of [...aliceLists, ...aliceLists].entries())
    tasks.push((await post<{ task: Task }>(alice, `/api/lists/${listId}/tasks`, { title: `Task ${i}` })).task.id);
  for (const [i, listId] of [...aliceLists, doomedLists[0]].entries())
    doomedTasks.push(
      (await post<{ task: Task }>(alice, `/api/lists/${listId}/tasks`, { title: `Doomed ${i}` })).task.id,
    );

  const victimLists: string[] = [];
  for (const [i, v] of victims.entries()) {
    const inbox = await inboxOf(server, v.token);
    victimLists.push(inbox);
    tasks.push(
      (await post<{ task: Task }>(v, `/api/lists/${inbox}/tasks`, { title: `${v.user.name}'s`, notes: 'private' })).task
        .id,
    );
    if (i === 0) continue; // bob shares nothing
    const socket = await connect(server, v.token);
    try {
      await ok(socket, 'list:share', { listId: inbox, email: alice.email, role: i === 1 ? 'viewer' : 'editor' });
    } finally {
      socket.close();
    }
    sharedAtSetUp.add(`${inbox}/${alice.user.id}`);
  }
  const ver = (jwt.decode(alice.token) as { ver: number }).ver;
  const now = Math.floor(Date.now() / 1000);
  const pools: Pools = {
    lists: [...aliceLists, ...victimLists],
    doomedLists: [...doomedLists, victimLists[0]],
    tasks,
    doomedTasks,
    emails: [
      alice.email,
      ...victims.map((v) => v.email),
      victims[0].email.toUpperCase(),
      ` ${victims[1].email} `,
      'nobody@example.com',
    ],
    userIds: [alice.user.id, ...victims.map((v) => v.user.id), crypto.randomUUID()],
    tokens: [
      alice.token,
      victims[0].token,
      `${alice.token}x`,
      alice.token.slice(0, -2),
      jwt.sign({ ver, exp: now + 7200 }, TEST_SECRET, { subject: alice.user.id }), // a newer valid token of alice
      jwt.sign({ ver, exp: now - 10 }, TEST_SECRET, { subject: alice.user.id }),
      jwt.sign({ ver: ver - 1, exp: now + 7200 }, TEST_SECRET, { subject: alice.user.id }),
      jwt.sign({ ver, exp: now + 7200 }, 'another-secret-that-is-long-enough-0123456789', { subject: alice.user.id }),
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: alice.user.id, ver, exp: now + 7200 })).toString('base64url')}.`,
      'not.a.jwt',
      'a'.repeat(4097),
    ],
    mutationIds: [crypto.randomUUID(), crypto.randomUUID()],
  };
  return { alice, victims, throwaway, wanderer, pools, readbackList, victimInboxes: victimLists, sharedAtSetUp };
}

/** What the victims hold and alice must not have touched. */
async function victimState(victims: TestUser[]) {
  const ids = victims.map((v) => v.user.id);
  const untouchable = ids.slice(0, 2); // bob and carol: alice at most views; dave's list alice may edit
  return {
    lists: await sql(`SELECT id, name, owner_id, seq FROM lists WHERE owner_id = ANY($1) ORDER BY id`, [ids]),
    members: await sql<{ list_id: string; user_id: string; role: string }>(
      `SELECT m.list_id, m.user_id, m.role FROM list_members m JOIN lists l ON l.id = m.list_id WHERE l.owner_id = ANY($1) ORDER BY 1, 2`,
      [ids],
    ),
    tasks: await sql(
      `SELECT t.* FROM tasks t JOIN lists l ON l.id = t.list_id WHERE l.owner_id = ANY($1) ORDER BY t.id`,
      [untouchable],
    ),
  };
}
export type VictimState = Awaited<ReturnType<typeof victimState>>;

/** The world one fuzz suite runs in; its fields are set by the suite's `before` (useFuzz). */
export class Fuzz implements Cast {
  server!: TestServer;
  alice!: TestUser; // the fuzzing user
  victims!: TestUser[]; // bob, carol (alice is her viewer), dave (alice is his editor): they never act during the fuzz
  throwaway!: TestUser; // logout-all is fuzzed on this one
  wanderer!: TestUser; // random paths are fuzzed with this one's token
  pools!: Pools;
  readbackList!: string;
  victimInboxes!: string[];
  sharedAtSetUp!: Set<string>;
  heapBefore!: number;
  snapshot!: VictimState;
  /** Outcomes per property (FUZZ_STATS=1 prints them): how much of the fuzz got past validation. */
  readonly stats = new Map<string, Map<string, number>>();

  constructor(readonly device: Open) {}

  tally(prop: string, outcome: unknown): void {
    const counts = this.stats.get(prop) ?? new Map<string, number>();
    this.stats.set(prop, counts);
    counts.set(String(outcome), (counts.get(String(outcome)) ?? 0) + 1);
  }

  /** What the victims hold now. */
  victimState(): Promise<VictimState> {
    return victimState(this.victims);
  }
}

/** In a describe: starts the server and sets the world up before its tests, closes it after them. */
export function useFuzz(): Fuzz {
  let server: TestServer | undefined;
  const fx = new Fuzz(devices(() => server!));
  before(async function () {
    this.timeout(60_000);
    server = await startServer({ socketEventsPerSecond: 100_000, authRateLimit: 100_000 });
    fx.server = server;
    Object.assign(fx, await setUpCast(server));
    fx.snapshot = await fx.victimState();
    gc();
    fx.heapBefore = process.memoryUsage().heapUsed;
  });
  after(async () => {
    await server?.close(); // unset if before() failed
    if (process.env.FUZZ_STATS)
      for (const [prop, outcomes] of fx.stats)
        process.stdout.write(`    ${prop}: ${JSON.stringify(Object.fromEntries(outcomes))}\n`);
  });
  return fx;
}

/** The outcome of an ack for the stats: ok, or its error code. */
export const outcomeOf = (ack: unknown): string =>
  (ack as { ok?: boolean }).ok ? 'ok' : String((ack as { error?: { code?: string } }).error?.code);
