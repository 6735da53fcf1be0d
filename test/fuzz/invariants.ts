/**
 * What must still hold after a fuzz (test/fuzz/socket.test.ts, test/fuzz/http.test.ts), checked at the
 * end of each: nothing the contract refuses was stored, no one got into a list its owner did not share
 * and the victims' lists, members and tasks are untouched, and the server still serves, in bounded
 * memory, with Object.prototype clean.
 */
import { expect } from 'chai';
import { LIMITS } from '../../shared/limits';
import type { List } from '../../shared/types';
import { ok, request } from '../support/server';
import { listProblems, short, taskProblems } from './checks';
import { gc, sql, type Fuzz } from './fixture';

/** The invariants' tests, after the fuzz of the describe they are called in. */
export function afterTheFuzz(fx: Fuzz): void {
  it('stores nothing the contract refuses: every task, list and user in the database is within the limits', async () => {
    const tasks = await sql<{ id: string; title: string; notes: string; priority: number; position: string }>(
      'SELECT id, title, notes, priority, position FROM tasks',
    );
    const lists = await sql<{ id: string; name: string }>('SELECT id, name FROM lists');
    const users = await sql<{ id: string; email: string; name: string }>('SELECT id, email, name FROM users');
    expect(tasks.length).to.be.greaterThan(10);
    expect(tasks.flatMap((t) => taskProblems(t).map((p) => `task ${t.id}: ${p}`))).to.deep.equal([]);
    expect(lists.flatMap((l) => listProblems(l).map((p) => `list ${l.id}: ${p}`))).to.deep.equal([]);
    expect(
      users
        .filter(
          (u) =>
            u.name !== u.name.trim() ||
            u.name.length < 1 ||
            u.name.length > LIMITS.userNameMax ||
            u.name.includes('\u0000') ||
            u.email !== u.email.trim().toLowerCase() ||
            u.email.length > LIMITS.emailMax,
        )
        .map((u) => short(u)),
    ).to.deep.equal([]);
  });

  it("lets no one into a list its owner did not share, and leaves other users' lists, members and tasks untouched", async () => {
    const { alice, victims, throwaway, wanderer, server, snapshot, sharedAtSetUp, victimInboxes } = fx;
    const now = await fx.victimState();
    const lists = now.lists as Array<{ id: string; name: string; seq: number }>;
    // bob's and carol's lists: no change but alice leaving carol's (one seq); dave's list: alice (his editor) may rename it
    const aliceLeft = (listId: string) => !now.members.some((m) => m.list_id === listId && m.user_id === alice.user.id);
    const expected = (snapshot.lists as Array<{ id: string; name: string; owner_id: string; seq: number }>)
      .filter((l) => l.owner_id !== victims[2].user.id)
      .map((l) => ({ ...l, seq: l.seq + (sharedAtSetUp.has(`${l.id}/${alice.user.id}`) && aliceLeft(l.id) ? 1 : 0) }));
    expect(lists.filter((l) => expected.some((e) => e.id === l.id))).to.deep.equal(expected);
    expect(lists.map((l) => l.id)).to.deep.equal(snapshot.lists.map((l) => (l as { id: string }).id));
    expect(now.tasks).to.deep.equal(snapshot.tasks);
    // their members: only the ones there before (alice may have left)
    const before = new Set(snapshot.members.map((m) => `${m.list_id}/${m.user_id}/${m.role}`));
    expect(now.members.map((m) => `${m.list_id}/${m.user_id}/${m.role}`).filter((m) => !before.has(m))).to.deep.equal(
      [],
    );
    // everywhere the fuzz's users reach (other test files share the database): one owner row per list, the
    // list's owner; a non-owner member only where alice (the one acting) owns the list or at set-up
    const everyone = [alice, ...victims, throwaway, wanderer].map((u) => u.user.id);
    const rows = await sql<{ list_id: string; user_id: string; role: string; owner_id: string }>(
      `SELECT m.list_id, m.user_id, m.role, l.owner_id FROM list_members m JOIN lists l ON l.id = m.list_id
        WHERE l.owner_id = ANY($1) OR m.user_id = ANY($1)`,
      [everyone],
    );
    expect(rows.filter((r) => (r.role === 'owner') !== (r.user_id === r.owner_id)).map((r) => short(r))).to.deep.equal(
      [],
    );
    expect(
      rows
        .filter(
          (r) => r.role !== 'owner' && r.owner_id !== alice.user.id && !sharedAtSetUp.has(`${r.list_id}/${r.user_id}`),
        )
        .map((r) => short(r)),
    ).to.deep.equal([]);
    const ownerless = await sql(
      `SELECT l.id FROM lists l WHERE l.owner_id = ANY($1)
          AND NOT EXISTS (SELECT 1 FROM list_members m WHERE m.list_id = l.id AND m.user_id = l.owner_id)`,
      [everyone],
    );
    expect(ownerless).to.deep.equal([]);
    // and what bob sees over HTTP: his own list, and lists alice chose to share with him
    const bobs = await request<{ lists: List[] }>(server, 'GET', '/api/lists', { token: victims[0].token });
    expect(bobs.status).to.equal(200);
    expect(bobs.body.lists.filter((l) => l.ownerId !== alice.user.id).map((l) => l.id)).to.deep.equal([
      victimInboxes[0],
    ]);
  });

  it('keeps serving afterwards: /health answers, a new task can be created, memory stays bounded, Object.prototype is clean', async () => {
    const { server, device, alice, heapBefore } = fx;
    const health = await request(server, 'GET', '/health');
    expect(health.status).to.equal(200);
    expect(health.body).to.include({ status: 'ok' });
    const socket = await device(alice.token);
    const { list } = await ok(socket, 'list:create', { name: 'After the fuzz' });
    const { task } = await ok(socket, 'task:create', {
      listId: list.id,
      title: '  Still here  ',
      notes: 'n',
      priority: 2,
      position: 'm',
    });
    expect(task).to.include({ title: 'Still here', listId: list.id, version: 1, seq: 1 });
    const polluted = {} as Record<string, unknown>;
    expect([polluted.polluted, polluted.role, polluted.isAdmin]).to.deep.equal([undefined, undefined, undefined]);
    expect(Object.keys(Object.prototype)).to.deep.equal([]);
    gc();
    const grown = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    expect(
      grown,
      `heap grew by ${grown.toFixed(1)} MB${(globalThis as { gc?: unknown }).gc ? '' : ' (no --expose-gc)'}`,
    ).to.be.below(150);
  });
}
