/**
 * Helpers of the SDK tests: SDK clients that are closed after each test, a TCP link per client that
 * the test can cut (the client's network: the kit's relay), waits on the client's own events, and the
 * server's state read fresh over REST to compare a replica with.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createClient, memoryStorage, type ClientStorage, type TodoClient } from '../../sdk/index';
import type { List, Task } from '../../shared/types';
import { startTcpProxy, type TcpProxy } from '../../dev/kit';
import { request, tasksOf, type TestServer, type TestUser } from './server';
import { contractOrder } from './util';

export const portOf = (server: TestServer): number => Number(new URL(server.url).port);

/**
 * A client's network: the kit's TCP relay (dev/kit/tcp-proxy.ts) in front of the server, and the URL a
 * client reaches the server through it by. `down()` cuts every connection and refuses new ones (as a
 * lost network would); `up()` lets them through again.
 */
export type Link = TcpProxy & { readonly url: string };

/** Socket options of the tests' clients: websocket only, quick reconnection. */
export const SOCKET_OPTIONS = { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500 };

/**
 * SDK clients (and links, and folders for file storage) for a describe block: after each test the
 * clients are closed, their storage's last writes awaited, then the folders removed.
 */
export function clients(): {
  open(url: string, opts?: { storage?: ClientStorage; refreshMarginMs?: number }): Promise<TodoClient>;
  link(server: TestServer): Promise<Link>;
  folder(): string;
} {
  let made: TodoClient[] = [];
  let links: Link[] = [];
  let folders: string[] = [];
  const writing = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    writing.add(work);
    void work.then(
      () => writing.delete(work),
      () => writing.delete(work),
    );
    return work;
  };
  const tracked = (storage: ClientStorage): ClientStorage => ({
    get: (key) => track(storage.get(key)),
    set: (key, value) => track(storage.set(key, value)),
    remove: (key) => track(storage.remove(key)),
  });
  afterEach(async () => {
    made.forEach((c) => c.close()); // a client writes what it has left on close
    made = [];
    await Promise.all(links.map((l) => l.close()));
    links = [];
    while (writing.size) await Promise.allSettled([...writing]);
    folders.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
    folders = [];
  });
  return {
    folder() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'todo-sdk-'));
      folders.push(dir);
      return dir;
    },
    async open(url, opts = {}) {
      const client = await createClient({
        url,
        storage: tracked(opts.storage ?? memoryStorage()),
        socketOptions: SOCKET_OPTIONS,
        refreshMarginMs: opts.refreshMarginMs,
      });
      made.push(client);
      return client;
    },
    async link(server) {
      const proxy = await startTcpProxy({ host: '127.0.0.1', port: portOf(server) });
      const link = Object.assign(proxy, { url: `http://127.0.0.1:${proxy.port}` });
      links.push(link);
      return link;
    },
  };
}

/** Resolves once `cond()` holds, looked at on each event of the client; rejects after `timeoutMs`. */
export function until(client: TodoClient, cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const offs: Array<() => void> = [];
    const stop = () => {
      clearTimeout(timer);
      offs.forEach((off) => off());
    };
    const check = () => {
      if (!cond()) return;
      stop();
      resolve();
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`not within ${timeoutMs} ms: ${what}`));
    }, timeoutMs);
    offs.push(
      client.on('change', check),
      client.on('status', check),
      client.on('auth', check),
      client.on('error', check),
      client.on('session', check),
    );
    check();
  });
}

/** client.synced(), or a rejection after `timeoutMs`. */
export async function synced(client: TodoClient, timeoutMs = 30_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.synced(),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`not synced within ${timeoutMs} ms (${client.status}, ${client.pendingCount()} pending)`));
        }, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a user sees, in a form to compare with deep.equal: lists (without seq/updatedAt) and each list's tasks in order. */
export interface Picture {
  lists: Array<Pick<List, 'id' | 'name' | 'ownerId' | 'role' | 'createdAt'>>;
  tasks: Record<string, Task[]>;
}

const listPart = (l: List) => ({ id: l.id, name: l.name, ownerId: l.ownerId, role: l.role, createdAt: l.createdAt });
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The client's view, pending flags dropped. */
export function pictureOf(client: TodoClient): Picture {
  const lists = client.lists();
  const tasks: Record<string, Task[]> = {};
  for (const list of lists) tasks[list.id] = client.tasks(list.id).map(({ pending: _pending, ...task }) => task);
  return { lists: lists.map(listPart).sort(byId), tasks };
}

/** The user's lists and tasks read fresh from the server over REST (tasks in the contract's order). */
export async function serverPicture(server: TestServer, user: TestUser): Promise<Picture> {
  const res = await request<{ lists: List[] }>(server, 'GET', '/api/lists', { token: user.token });
  expect(res.status).to.equal(200);
  const tasks: Record<string, Task[]> = {};
  for (const list of res.body.lists) tasks[list.id] = contractOrder((await tasksOf(server, user.token, list.id)).tasks);
  return { lists: res.body.lists.map(listPart).sort(byId), tasks };
}

/** JSON with every object's keys sorted, to compare values whatever their key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Waits until the client's view equals `picture`; fails with the difference. */
export async function converges(client: TodoClient, picture: Picture, who: string, timeoutMs = 30_000): Promise<void> {
  const expected = canonical(picture);
  const same = () => canonical(pictureOf(client)) === expected;
  try {
    await until(client, same, `${who} converges`, timeoutMs);
  } catch {
    expect(pictureOf(client), `${who} did not converge`).to.deep.equal(picture);
  }
}

/** A small seeded PRNG (mulberry32): the same seed, the same run. */
export function prng(seed: number): { next(): number; int(n: number): number; pick<T>(items: readonly T[]): T } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: (items) => items[int(items.length)] };
}
