/**
 * A change whose commit went through but whose answer from the database was lost (the connection
 * broke on the way back) is neither lost nor applied twice: the server finds it committed through
 * its mutation record, answers the caller, and tells the other devices.
 */
import { expect } from 'chai';
import { QueryTypes, Sequelize } from 'sequelize';
import { startTcpProxy, type TcpProxy } from '../../dev/kit';
import type { Task } from '../../shared/types';
import { testDb } from '../support/database';
import { roomHolds } from '../support/rooms';
import { call, devices, inboxOf, next, registerUser, startServer, tasksOf, type TestServer } from '../support/server';
import { uuid } from '../support/util';

/**
 * A server whose own queries go through a TCP proxy that cuts an answer (dev/tcp-proxy.ts; the models
 * keep the test database's pool), for the describe block that calls it; `cuts()` counts the answers cut.
 */
function serverThroughProxy(marker: string): { server: () => TestServer; cuts: () => number } {
  let proxy: TcpProxy;
  let through: Sequelize;
  let server: TestServer;
  before(async () => {
    const target = new URL(testDb().url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    // the first connection that sends `marker` and then COMMIT gets that through and the COMMIT's answer cut
    proxy.cutAnswer({ markers: [marker, 'COMMIT'], once: true });
    through = new Sequelize(proxy.through(testDb().url), { logging: false, pool: { max: 4 } });
    server = await startServer({}, { sequelize: through });
  });
  after(async () => {
    await server.close();
    await through.close();
    await proxy.close();
  });
  return { server: () => server, cuts: () => proxy.answersCut };
}

describe('a task change whose COMMIT answer was lost', () => {
  const marker = `lost-answer-${uuid()}`;
  const { server: node, cuts } = serverThroughProxy(marker);
  const open = devices(node);

  it('is answered and broadcast once, as committed, and a retry gets the same answer', async () => {
    const alice = await registerUser(node());
    const listId = await inboxOf(node(), alice.token);
    const [phone, laptop] = [await open(alice.token), await open(alice.token)];
    const mutationId = uuid();
    const seen = next(laptop, 'task:created', (p) => p.task.title === marker);
    const ack = await call(phone, 'task:create', { listId, title: marker, mutationId });
    expect(cuts()).to.equal(1); // the COMMIT went through, its answer did not
    expect(ack.ok, JSON.stringify(ack)).to.equal(true);
    const { task } = (ack as { data: { task: Task } }).data;
    expect((await seen).task).to.deep.equal(task);
    // applied once, and a retry is answered alike
    const again = await call(phone, 'task:create', { listId, title: marker, mutationId });
    expect(again).to.deep.equal(ack);
    const { tasks } = await tasksOf(node(), alice.token, listId);
    expect(tasks.filter((t) => t.title === marker)).to.deep.equal([task]);
  });
});

describe('a list change whose COMMIT answer was lost', () => {
  const marker = `lost-commit-${uuid()}`;
  const { server: node, cuts } = serverThroughProxy(marker);
  const open = devices(node);

  it('is answered and broadcast once, as committed, and its effects run (the sockets join the list room)', async () => {
    const alice = await registerUser(node());
    const [phone, laptop] = [await open(alice.token), await open(alice.token)];
    const mutationId = uuid();
    const seen = next(laptop, 'list:created', (p) => p.list.name === marker);
    const ack = await call(phone, 'list:create', { name: marker, mutationId });
    expect(cuts()).to.equal(1); // the COMMIT went through, its answer did not
    expect(ack.ok, JSON.stringify(ack)).to.equal(true);
    const { list } = (ack as { data: { list: { id: string } } }).data;
    expect((await seen).list).to.deep.equal(list);
    await roomHolds(node(), list.id, [phone, laptop]); // its effects ran too
    expect(await call(phone, 'list:create', { name: marker, mutationId })).to.deep.equal(ack);
    const lists = await testDb().sequelize.query('SELECT id FROM lists WHERE name = $1', {
      bind: [marker],
      type: QueryTypes.SELECT,
    });
    expect(lists).to.have.length(1);
  });
});
