/**
 * A node that starts hears the other nodes before it admits a socket: one admitted earlier would miss
 * what they relay meanwhile (a logout-all, a change). Its adapter's connection to PostgreSQL is held
 * here, as a loaded database holds a new connection, so that the order is the same on every run.
 */
import net from 'node:net';
import { expect } from 'chai';
import { captureLogs } from '../support/logs';
import { connect, next, registerUser, request, startServer, testConfig, type TestServer } from '../support/server';

/** A relay to PostgreSQL that holds every connection until `release()`. */
async function heldDatabase(): Promise<{ url: string; release(): void; close(): Promise<void> }> {
  const target = new URL(testConfig().databaseUrl);
  const open = new Set<net.Socket>();
  const held: Array<() => void> = [];
  let released = false;
  const relay = net.createServer((client) => {
    const pipe = () => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        open.add(s);
        s.on('close', () => open.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    };
    open.add(client);
    client.on('error', () => undefined);
    if (released) pipe();
    else held.push(pipe);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((relay.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    release: () => {
      released = true;
      held.splice(0).forEach((pipe) => pipe());
    },
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

describe('a node that starts', () => {
  let nodeA: TestServer;
  before(async () => {
    nodeA = await startServer();
  });
  after(async () => {
    await nodeA.close();
  });

  it('admits no socket before it hears the other nodes: a logout-all meanwhile is not missed', async () => {
    const alice = await registerUser(nodeA);
    const database = await heldDatabase();
    const logs = captureLogs('info');
    // its token version cached for an hour: only the news, or a handshake after it, can refuse the token
    const nodeC = await startServer(
      { databaseUrl: database.url, sessionRecheckMs: 3_600_000 },
      { logger: logs.logger },
    );
    try {
      const connecting = connect(nodeC, alice.token).then(
        (socket) => {
          socket.close();
          return 'connected';
        },
        (err: unknown) => (err as Error).message,
      );
      // the handshake waits for node C's listener (or, admitted too early, the socket is in)
      const waits = logs.logged((line) => line.msg === 'socket handshakes wait until this node hears the other nodes');
      await Promise.race([connecting, waits.catch(() => undefined)]);
      // node C cannot hear this yet
      expect((await request(nodeA, 'POST', '/api/auth/logout-all', { token: alice.token })).status).to.equal(204);
      database.release();
      expect(await connecting).to.equal('unauthorized');
    } finally {
      database.release();
      await nodeC.close();
      await database.close();
    }
  });

  it('waits at most 2 s for a database that holds its listener, then tells the sockets let in to sync once it listens', async () => {
    const alice = await registerUser(nodeA);
    const database = await heldDatabase();
    const nodeC = await startServer({ databaseUrl: database.url });
    const sockets: Array<{ close(): void }> = [];
    try {
      const socket = await connect(nodeC, alice.token); // let in after the wait
      sockets.push(socket);
      const told = next(socket, 'sync:needed');
      database.release();
      await told; // changes relayed before the listener listened were missed here
    } finally {
      sockets.forEach((s) => s.close());
      database.release();
      await nodeC.close();
      await database.close();
    }
  });
});
