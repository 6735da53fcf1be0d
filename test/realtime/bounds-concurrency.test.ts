/**
 * The contract's bounds of what a user holds are exact when the requests come at once: many
 * concurrent creates and shares for one user, shares of one list, creates in one list, sent to two
 * server nodes at a time, end exactly at the bound. The count is made under a lock that PostgreSQL
 * holds, so it is one for every process and node (the two nodes here share the test run's pool).
 * Members and tasks were exact already (the list's row lock comes first, then the count in a statement
 * of its own, or an atomic counter): those two guard it.
 */
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import type { Ack } from '../../shared/types';
import { testDb } from '../support/database';
import {
  call,
  type ClientSocket,
  devices,
  inboxOf,
  ok,
  registerUser,
  startServer,
  type TestServer,
  type TestUser,
} from '../support/server';
import { codeOf } from '../support/util';

const LISTS = 10;
const MEMBERS = 10;
const TASKS = 10;

/** How many of `acks` answered each outcome. */
function tally(acks: Ack<unknown>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const code of acks.map(codeOf)) out[code] = (out[code] ?? 0) + 1;
  return out;
}

describe('bounds under concurrency', function () {
  this.timeout(60_000);
  let nodes: TestServer[];
  const device = devices();
  /** `n` sockets of the user, spread over the two nodes. */
  const socketsOf = (user: TestUser, n = 4): Promise<ClientSocket[]> =>
    Promise.all(Array.from({ length: n }, (_, i) => device(user.token, nodes[i % 2])));
  const count = async (sql: string, id: string): Promise<number> => {
    const row = await testDb().sequelize.query<{ n: number }>(sql, {
      bind: [id],
      type: QueryTypes.SELECT,
      plain: true,
    });
    return row?.n ?? -1;
  };
  const listsOf = (userId: string) => count('SELECT count(*)::int AS n FROM list_members WHERE user_id = $1', userId);

  before(async () => {
    const bounds = { maxListsPerUser: LISTS, maxMembersPerList: MEMBERS, maxTasksPerList: TASKS };
    nodes = await Promise.all([1, 2].map(() => startServer(bounds)));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
  });

  it('MAX_LISTS_PER_USER: 40 concurrent list:create on two nodes by a user in 1 list end at exactly the bound', async () => {
    const alice = await registerUser(nodes[0]);
    const sockets = await socketsOf(alice);
    const acks = await Promise.all(
      Array.from({ length: 40 }, (_, i) => call(sockets[i % sockets.length], 'list:create', { name: `L${i}` }, 30_000)),
    );
    expect(tally(acks)).to.deep.equal({ ok: LISTS - 1, limit_exceeded: 40 - (LISTS - 1) });
    expect(await listsOf(alice.user.id)).to.equal(LISTS);
  });

  it('MAX_LISTS_PER_USER: 40 concurrent shares to one user (from 5 owners, on two nodes) end at exactly the bound', async () => {
    const target = await registerUser(nodes[0]);
    const owners = await Promise.all([1, 2, 3, 4, 5].map(() => registerUser(nodes[1])));
    const shares: Array<{ socket: ClientSocket; listId: string }> = [];
    for (const owner of owners) {
      const sockets = await socketsOf(owner, 2);
      for (let i = 0; i < 8; i += 1) {
        const { list } = await ok(sockets[0], 'list:create', { name: `Shared ${i}` });
        shares.push({ socket: sockets[i % 2], listId: list.id });
      }
    }
    const acks = await Promise.all(
      shares.map(({ socket, listId }) =>
        call(socket, 'list:share', { listId, email: target.email, role: 'viewer' }, 30_000),
      ),
    );
    expect(tally(acks)).to.deep.equal({ ok: LISTS - 1, limit_exceeded: 40 - (LISTS - 1) });
    expect(await listsOf(target.user.id)).to.equal(LISTS);
  });

  it('MAX_LISTS_PER_USER: creates by a user and shares to them at once are counted together', async () => {
    const [bob, carol] = await Promise.all([registerUser(nodes[0]), registerUser(nodes[1])]);
    const bobs = await socketsOf(bob);
    const carols = await socketsOf(carol, 2);
    const carolsLists: string[] = [];
    for (let i = 0; i < LISTS - 1; i += 1)
      carolsLists.push((await ok(carols[0], 'list:create', { name: `C${i}` })).list.id);
    const acks = await Promise.all([
      ...carolsLists.map((listId, i) =>
        call(carols[i % 2], 'list:share', { listId, email: bob.email, role: 'editor' }, 30_000),
      ),
      ...Array.from({ length: 20 }, (_, i) => call(bobs[i % bobs.length], 'list:create', { name: `B${i}` }, 30_000)),
    ]);
    expect(acks.filter((a) => a.ok)).to.have.length(LISTS - 1);
    expect(await listsOf(bob.user.id)).to.equal(LISTS);
  });

  it('MAX_MEMBERS_PER_LIST: 30 concurrent shares of one list on two nodes end at exactly the bound', async () => {
    const owner = await registerUser(nodes[0]);
    const users = await Promise.all(Array.from({ length: 30 }, () => registerUser(nodes[1])));
    const sockets = await socketsOf(owner);
    const { list } = await ok(sockets[0], 'list:create', { name: 'Crowded' });
    const acks = await Promise.all(
      users.map((u, i) =>
        call(sockets[i % sockets.length], 'list:share', { listId: list.id, email: u.email, role: 'viewer' }, 30_000),
      ),
    );
    expect(tally(acks)).to.deep.equal({ ok: MEMBERS - 1, limit_exceeded: 30 - (MEMBERS - 1) });
    expect(await count('SELECT count(*)::int AS n FROM list_members WHERE list_id = $1', list.id)).to.equal(MEMBERS);
  });

  it('MAX_TASKS_PER_LIST: 30 concurrent task:create on two nodes end at exactly the bound', async () => {
    const dave = await registerUser(nodes[0]);
    const inbox = await inboxOf(nodes[0], dave.token);
    const sockets = await socketsOf(dave);
    const acks = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(sockets[i % sockets.length], 'task:create', { listId: inbox, title: `t${i}` }, 30_000),
      ),
    );
    expect(tally(acks)).to.deep.equal({ ok: TASKS, limit_exceeded: 30 - TASKS });
    expect(
      await count('SELECT count(*)::int AS n FROM tasks WHERE list_id = $1 AND deleted_at IS NULL', inbox),
    ).to.equal(TASKS);
  });
});
