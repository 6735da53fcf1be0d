import { expect } from 'chai';
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { QueryTypes } from 'sequelize';
import { purgeActivity, purgeMutations, purgeRevokedTokens, purgeTrash } from '../server/maintenance';
import { testDb } from './support/database';
import { codeOf } from './support/util';
import { call, connect, inboxOf, ok, registerUser, request, startServer } from './support/server';

describe('mutation records clean-up', () => {
  it('keeps the records of the last 24 hours (and more) and removes those older than 48 hours', async () => {
    const server = await startServer();
    try {
      const user = await registerUser(server);
      const { sequelize } = testDb();
      const hoursAgo = [1, 23, 47, 49, 100];
      const ids = hoursAgo.map(() => crypto.randomUUID());
      for (const [i, h] of hoursAgo.entries()) {
        await sequelize.query(
          `INSERT INTO mutations (user_id, mutation_id, event, response, created_at) VALUES ($1, $2, 'task:create', '{}', now() - make_interval(hours => $3))`,
          { bind: [user.user.id, ids[i], h] },
        );
      }
      expect(await purgeMutations()).to.be.at.least(2);
      const left = await sequelize.query<{ id: string }>('SELECT mutation_id AS id FROM mutations WHERE user_id = $1', {
        bind: [user.user.id],
        type: QueryTypes.SELECT,
      });
      expect(left.map((r) => r.id).sort()).to.deep.equal(ids.slice(0, 3).sort());
    } finally {
      await server.close();
    }
  });
});

describe('revoked tokens clean-up', () => {
  it('removes the revocations of tokens expired by now, and keeps the others (their tokens stay refused)', async () => {
    const server = await startServer();
    try {
      const user = await registerUser(server);
      const { sequelize } = testDb();
      expect((await request(server, 'POST', '/api/auth/logout', { token: user.token })).status).to.equal(204);
      const ids = ['expired-1', 'expired-2', 'later'].map((n) => `${n}-${crypto.randomUUID()}`);
      for (const [i, id] of ids.entries())
        await sequelize.query(
          `INSERT INTO revoked_tokens (token_id, user_id, expires_at) VALUES ($1, $2, now() + make_interval(mins => $3))`,
          { bind: [id, user.user.id, i < 2 ? -5 : 5] },
        );
      expect(await purgeRevokedTokens(sequelize)).to.be.at.least(2);
      const left = await sequelize.query<{ id: string }>(
        'SELECT token_id AS id FROM revoked_tokens WHERE user_id = $1',
        {
          bind: [user.user.id],
          type: QueryTypes.SELECT,
        },
      );
      // the later one, and the logged-out token (it expires in an hour)
      const { jti } = jwt.decode(user.token) as { jti: string };
      expect(left.map((r) => r.id)).to.have.members([ids[2], jti]);
      expect((await request(server, 'GET', '/api/auth/me', { token: user.token })).status).to.equal(401);
    } finally {
      await server.close();
    }
  });
});

describe('activity clean-up', () => {
  it('removes the entries older than ACTIVITY_RETENTION_DAYS and keeps the others', async () => {
    const server = await startServer();
    try {
      const user = await registerUser(server);
      const { sequelize } = testDb();
      const listId = await inboxOf(server, user.token);
      for (const title of ['a', 'b', 'c'])
        await request(server, 'POST', `/api/lists/${listId}/tasks`, { token: user.token, body: { title } });
      // the first two entries were made long ago
      await sequelize.query(
        `UPDATE activities SET at = now() - make_interval(days => (100 - seq)::int) WHERE list_id = $1 AND seq < 3`,
        { bind: [listId] },
      );
      expect(await purgeActivity(sequelize, 90)).to.be.at.least(2);
      const left = await sequelize.query<{ seq: number }>('SELECT seq FROM activities WHERE list_id = $1', {
        bind: [listId],
        type: QueryTypes.SELECT,
      });
      expect(left.map((r) => r.seq)).to.deep.equal([3]);
    } finally {
      await server.close();
    }
  });
});

describe('trash clean-up', () => {
  it('deletes for good the tasks deleted longer ago than TRASH_RETENTION_DAYS; their departures stay in sync', async () => {
    const server = await startServer();
    const socket = await connect(server, (await registerUser(server)).token);
    try {
      const { sequelize } = testDb();
      const listId = (await ok(socket, 'list:create', { name: 'Purge' })).list.id;
      const [old, recent, live] = await Promise.all(
        ['old', 'recent', 'live'].map(async (title) => (await ok(socket, 'task:create', { listId, title })).task),
      );
      const start = (await ok(socket, 'sync', {})).cursors[listId];
      const gone = await ok(socket, 'task:delete', { id: old.id });
      await ok(socket, 'task:delete', { id: recent.id });
      await sequelize.query(`UPDATE tasks SET deleted_at = deleted_at - interval '31 days' WHERE id = $1`, {
        bind: [old.id],
      });
      expect(await purgeTrash(sequelize, 30)).to.be.at.least(1);
      const rows = await sequelize.query<{ id: string }>('SELECT id FROM tasks WHERE list_id = $1', {
        bind: [listId],
        type: QueryTypes.SELECT,
      });
      expect(rows.map((r) => r.id).sort()).to.deep.equal([recent.id, live.id].sort());
      // the tombstone stays: a device from before the deletion still learns of it
      const synced = await ok(socket, 'sync', { cursors: { [listId]: start } });
      expect(synced.deleted.map((d) => d.id).sort()).to.deep.equal([old.id, recent.id].sort());
      expect(synced.deleted.find((d) => d.id === old.id)).to.deep.equal(gone);
      expect(codeOf(await call(socket, 'task:restore', { id: old.id }))).to.equal('not_found');
      expect((await ok(socket, 'trash:list', { listId })).tasks.map((t) => t.id)).to.deep.equal([recent.id]);
      expect((await ok(socket, 'task:restore', { id: recent.id })).task.id).to.equal(recent.id);
    } finally {
      socket.close();
      await server.close();
    }
  });
});
