import { expect } from 'chai';
import crypto from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { purgeMutations } from '../server/core/db/maintenance';
import { testDb } from './support/database';
import { registerUser, startServer } from './support/server';

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
