/**
 * The relay between nodes (the Socket.IO PostgreSQL adapter) survives a lost database connection:
 * once it listens again, changes cross nodes again, and every socket is told `sync:needed`, as it
 * may have missed changes meanwhile.
 */
import { expect } from 'chai';
import pg from 'pg';
import { QueryTypes } from 'sequelize';
import { testDb } from '../support/database';
import { cluster, devices, inboxOf, next, ok, registerUser, startServer, type TestServer } from '../support/server';

describe('the relay between nodes', function () {
  this.timeout(30_000);
  let nodeA: TestServer;
  let nodeB: TestServer;
  const open = devices();
  before(async () => {
    nodeA = await startServer();
    nodeB = await startServer();
    await cluster(nodeA, nodeB);
  });
  after(async () => {
    await Promise.all([nodeA.close(), nodeB.close()]);
  });

  it('after its database connections are killed, tells every socket sync:needed and relays changes again', async () => {
    const alice = await registerUser(nodeA);
    const inbox = await inboxOf(nodeA, alice.token);
    const [onA, onB] = [await open(alice.token, nodeA), await open(alice.token, nodeB)];
    // the relay works
    const first = next(onB, 'task:created');
    await ok(onA, 'task:create', { listId: inbox, title: 'before' });
    expect((await first).task.title).to.equal('before');

    // every adapter connection of both nodes is cut, as a database restart or a failover would
    const told = [next(onA, 'sync:needed', () => true, 15_000), next(onB, 'sync:needed', () => true, 15_000)];
    const killed = await testDb().sequelize.query<{ killed: boolean }>(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'todo-server-adapter'`,
      { type: QueryTypes.SELECT },
    );
    expect(killed.length).to.be.at.least(2); // a listener and a publisher a node, at least
    await Promise.all(told);

    // both ways again, more times than the adapter has connections
    for (const title of ['after 1', 'after 2', 'after 3']) {
      const onBSaw = next(onB, 'task:created', (p) => p.task.title === title);
      await ok(onA, 'task:create', { listId: inbox, title });
      await onBSaw;
    }
    const onASaw = next(onA, 'task:created', (p) => p.task.title === 'from B');
    await ok(onB, 'task:create', { listId: inbox, title: 'from B' });
    await onASaw;
  });

  it('when a relay cannot be published, tells the sockets of every node to sync once messages cross again', async () => {
    const alice = await registerUser(nodeA);
    const inbox = await inboxOf(nodeA, alice.token);
    const [onA, onB] = [await open(alice.token, nodeA), await open(alice.token, nodeB)];
    // a note over the adapter's 8 kB NOTIFY limit is stored in its attachments table first: make that fail
    const db = testDb().sequelize;
    await db.query(`CREATE OR REPLACE FUNCTION todo_test_refuse() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
    await db.query(`CREATE TRIGGER todo_test_refuse BEFORE INSERT ON socket_io_attachments
      FOR EACH ROW EXECUTE FUNCTION todo_test_refuse()`);
    try {
      const told = [next(onA, 'sync:needed', () => true, 15_000), next(onB, 'sync:needed', () => true, 15_000)];
      await ok(onA, 'task:create', { listId: inbox, title: 'too big to relay', notes: 'x'.repeat(9_000) });
      await Promise.all(told); // B never got the change; it is told to sync, and so is A's side
    } finally {
      await db.query('DROP TRIGGER todo_test_refuse ON socket_io_attachments');
      await db.query('DROP FUNCTION todo_test_refuse()');
    }
  });
});

describe('a node that hears no other (PostgreSQL adapter)', function () {
  this.timeout(30_000);
  const open = devices();
  let nodes: TestServer[] = [];
  let listener: pg.Client;
  let relayed = 0;
  before(async () => {
    // what the nodes relay to each other, seen as a node would hear it
    listener = new pg.Client({ connectionString: testDb().url });
    await listener.connect();
    listener.on('notification', (n) => {
      if (n.payload?.includes('todo:relay')) relayed += 1;
    });
    await listener.query('LISTEN "socket.io#/"');
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await listener.end();
  });

  it('relays nothing while alone, and relays to a node that joins from its first socket on', async () => {
    nodes = [await startServer()];
    const alice = await registerUser(nodes[0]);
    const inbox = await inboxOf(nodes[0], alice.token);
    const [phone, laptop] = [await open(alice.token, nodes[0]), await open(alice.token, nodes[0])];
    for (const title of ['one', 'two', 'three']) {
      const seen = next(laptop, 'task:created', (p) => p.task.title === title);
      await ok(phone, 'task:create', { listId: inbox, title });
      await seen; // delivered on its own node
    }
    // a marker NOTIFY sent after the changes arrives after any they made (one session's notifies keep their order)
    const marker = new Promise<void>((resolve) =>
      listener.on('notification', (n) => {
        if (n.payload === 'marker') resolve();
      }),
    );
    await testDb().sequelize.query(`SELECT pg_notify('socket.io#/', 'marker')`);
    await marker;
    expect(relayed).to.equal(0);

    nodes.push(await startServer());
    const onB = await open(alice.token, nodes[1]);
    const seen = next(onB, 'task:created', (p) => p.task.title === 'four');
    await ok(phone, 'task:create', { listId: inbox, title: 'four' });
    expect((await seen).task.title).to.equal('four');
    expect(relayed).to.be.greaterThan(0);
  });
});
