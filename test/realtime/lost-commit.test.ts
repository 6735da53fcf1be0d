/**
 * A change whose commit went through but whose answer from the database was lost (the connection
 * broke on the way back) is neither lost nor applied twice: the server finds it committed through
 * its mutation record, answers the caller, and tells the other devices.
 */
import net from 'node:net';
import { expect } from 'chai';
import { QueryTypes, Sequelize } from 'sequelize';
import type { Task } from '../../shared/types';
import { testDb } from '../support/database';
import { call, devices, inboxOf, next, registerUser, startServer, tasksOf, type TestServer } from '../support/server';
import { uuid } from '../support/util';

/**
 * A TCP proxy to the test database: a connection that sends `marker` (and then `COMMIT`, when
 * `atCommit`) gets that request through, and its answer cut (both sockets closed on the answer's
 * first bytes), as a network fault would.
 */
async function cuttingProxy(
  marker: string,
  atCommit = false,
): Promise<{ url: string; cuts: () => number; close: () => Promise<void> }> {
  const target = new URL(testDb().url);
  let cuts = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    open.add(client).add(upstream);
    let seen = false;
    let armed = false;
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (chunk.includes(marker)) seen = true;
      if (seen && (!atCommit || chunk.includes('COMMIT'))) armed = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!armed) {
        client.write(chunk);
        return;
      }
      cuts += 1;
      closeBoth();
    });
    for (const socket of [client, upstream]) {
      socket.on('error', closeBoth);
      socket.on('close', () => {
        open.delete(socket);
        closeBoth();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.host = `127.0.0.1:${String((server.address() as net.AddressInfo).port)}`;
  return {
    url: url.toString(),
    cuts: () => cuts,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A server whose own queries go through a cutting proxy (the models keep the test database's pool),
 * for the describe block that calls it; `cuts()` counts the answers cut.
 */
function serverThroughProxy(marker: string, atCommit = false): { server: () => TestServer; cuts: () => number } {
  let proxy: Awaited<ReturnType<typeof cuttingProxy>>;
  let through: Sequelize;
  let server: TestServer;
  before(async () => {
    proxy = await cuttingProxy(marker, atCommit);
    through = new Sequelize(proxy.url, { logging: false, pool: { max: 4 } });
    server = await startServer({}, { sequelize: through });
  });
  after(async () => {
    await server.close();
    await through.close();
    await proxy.close();
  });
  return { server: () => server, cuts: () => proxy.cuts() };
}

describe('a change whose answer from the database was lost', () => {
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
    expect(cuts()).to.equal(1); // the answer was lost on the way
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
  const { server: node, cuts } = serverThroughProxy(marker, true);
  const open = devices(node);

  it('is answered and broadcast once, as committed', async () => {
    const alice = await registerUser(node());
    const [phone, laptop] = [await open(alice.token), await open(alice.token)];
    const mutationId = uuid();
    const seen = next(laptop, 'list:created', (p) => p.list.name === marker);
    const ack = await call(phone, 'list:create', { name: marker, mutationId });
    expect(cuts()).to.equal(1); // the COMMIT went through, its answer did not
    expect(ack.ok, JSON.stringify(ack)).to.equal(true);
    expect((await seen).list).to.deep.equal((ack as { data: { list: unknown } }).data.list);
    expect(await call(phone, 'list:create', { name: marker, mutationId })).to.deep.equal(ack);
    const lists = await testDb().sequelize.query('SELECT id FROM lists WHERE name = $1', {
      bind: [marker],
      type: QueryTypes.SELECT,
    });
    expect(lists).to.have.length(1);
  });
});
