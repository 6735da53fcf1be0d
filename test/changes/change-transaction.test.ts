/**
 * A change's transaction (server/changes/change-transaction.ts): BEGIN rides on the first statement
 * and COMMIT on the last, and it is a transaction all the same: what a rolled-back change wrote is
 * gone whichever protocol its statements used, a failed last statement commits nothing, and the
 * connection goes back to the pool every time.
 */
import { expect } from 'chai';
import { QueryTypes, Sequelize, UniqueConstraintError } from 'sequelize';
import { ChangeTransaction } from '../../server/changes/change-transaction';
import { testDb } from '../support/database';
import { uuid } from '../support/util';

describe('a change transaction (BEGIN with the first statement, COMMIT with the last)', () => {
  const table = `change_tx_probe_${uuid().slice(0, 8)}`;
  let sequelize: Sequelize; // a pool of two: a connection not given back shows at the third change

  before(async () => {
    sequelize = new Sequelize(testDb().url, { logging: false, pool: { max: 2, acquire: 2_000 } });
    await sequelize.query(`CREATE TABLE ${table} (id text PRIMARY KEY)`);
  });
  after(async () => {
    await sequelize.query(`DROP TABLE ${table}`);
    await sequelize.close();
  });

  const ids = async () =>
    (await sequelize.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`, { type: QueryTypes.SELECT })).map(
      (r) => r.id,
    );
  const asText = (change: ChangeTransaction, id: string) =>
    sequelize.query(`INSERT INTO ${table} VALUES (?)`, { replacements: [id], transaction: change.t });
  const withBind = (change: ChangeTransaction, id: string) =>
    sequelize.query(`INSERT INTO ${table} VALUES ($1)`, { bind: [id], transaction: change.t });

  it('rolls back what its statements wrote, the first sent as text (BEGIN in its message) or with parameters', async () => {
    for (const first of [asText, withBind]) {
      const change = await ChangeTransaction.open(sequelize);
      await first(change, `a-${first.name}`);
      await withBind(change, `b-${first.name}`);
      await change.abandon();
    }
    expect(await ids()).to.deep.equal([]);
  });

  it('commits its statements with the last one, in one message', async () => {
    const change = await ChangeTransaction.open(sequelize);
    await withBind(change, 'c1');
    await change.commit(`INSERT INTO ${table} VALUES ('c2')`);
    expect(await ids()).to.deep.equal(['c1', 'c2']);
  });

  it('commits nothing when its last statement fails, and rolls back cleanly', async () => {
    const change = await ChangeTransaction.open(sequelize);
    await asText(change, 'd1');
    const failed = await change.commit(`INSERT INTO ${table} VALUES ('c1')`).catch((err: unknown) => err);
    expect(failed).to.be.instanceOf(UniqueConstraintError);
    await change.abandon();
    expect(await ids()).to.deep.equal(['c1', 'c2']);
  });

  it('gives its connection back every time: with no statement, after a rollback and after a commit', async () => {
    for (let i = 0; i < 6; i++) {
      const change = await ChangeTransaction.open(sequelize); // a third change would wait, then time out
      if (i % 3 === 1) await asText(change, `e${i}`);
      if (i % 3 === 2) await change.commit();
      else await change.abandon();
    }
    expect(await ids()).to.deep.equal(['c1', 'c2']);
  });
});
