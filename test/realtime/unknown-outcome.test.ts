/**
 * A change that committed while both its answer and the database went away (so the server could not
 * read its mutation record to tell): the caller is answered `unavailable`; once the database is back
 * the server finds it committed and tells every socket to sync, since nobody was sent the change (the
 * retry is answered from the record, without a broadcast). The chaos run's `lost` fault found it.
 */
import { expect } from 'chai';
import { Sequelize } from 'sequelize';
import { startTcpProxy, type TcpProxy } from '../../dev/kit';
import type { Task } from '../../shared/types';
import { testDb } from '../support/database';
import { call, devices, inboxOf, next, registerUser, startServer, type TestServer } from '../support/server';
import { uuid } from '../support/util';

describe('a change committed while its answer and the database were lost', function () {
  this.timeout(30_000);
  let proxy: TcpProxy;
  let through: Sequelize;
  let server: TestServer;
  before(async () => {
    const target = new URL(testDb().url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    through = new Sequelize(proxy.through(testDb().url), { logging: false, pool: { max: 4 } });
    // the relay between nodes keeps the test database's own connection: only the queries are cut
    server = await startServer({}, { sequelize: through });
  });
  after(async () => {
    proxy.up();
    await server.close();
    await through.close();
    await proxy.close();
  });
  const open = devices(() => server);

  it('is answered unavailable, and once the database is back every socket is told to sync', async () => {
    const alice = await registerUser(server);
    const listId = await inboxOf(server, alice.token);
    const [phone, laptop] = [await open(alice.token), await open(alice.token)];
    const title = `unknown-outcome-${uuid()}`;
    const mutationId = uuid();
    // the task's transaction commits; the COMMIT's answer is cut, and every connection with it
    proxy.cutAnswer({ markers: [title, 'COMMIT'], once: true, thenDown: true });
    const told = next(laptop, 'sync:needed', () => true, 20_000);
    const first = await call(phone, 'task:create', { listId, title, mutationId }, 15_000);
    expect(first.ok ? 'ok' : first.error.code, JSON.stringify(first)).to.equal('unavailable');
    expect(proxy.answersCut).to.equal(1);
    proxy.up();
    await told;
    // the laptop's sync has the change; the retry is answered from the record
    const synced = await call(laptop, 'sync', {}, 15_000);
    const tasks = synced.ok ? synced.data.tasks : [];
    const task = tasks.find((t) => t.title === title);
    expect(task, JSON.stringify(synced)).to.not.equal(undefined);
    const again = await call(phone, 'task:create', { listId, title, mutationId }, 15_000);
    expect(again.ok, JSON.stringify(again)).to.equal(true);
    expect((again as { data: { task: Task } }).data.task).to.deep.equal(task);
  });
});
