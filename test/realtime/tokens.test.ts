import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import type { AuthResult } from '../../shared/types';
import {
  type ApiErrorBody,
  call,
  type ClientSocket,
  cluster,
  devices,
  next,
  ok,
  registerUser,
  request,
  startServer,
  TEST_SECRET,
  type TestServer,
  useServer,
} from '../support/server';
import { disconnected, handshake } from '../support/util';

/** Resolves true if `auth:expired` comes within `ms`, false if not. */
const expiresWithin = (socket: ClientSocket, ms: number) =>
  next(socket, 'auth:expired', () => true, Math.max(ms, 1)).then(
    () => true,
    () => false,
  );

describe('tokens on open sockets', () => {
  const open = devices(); // on the server each test names

  describe('with 2-second tokens', () => {
    let short: TestServer;
    let long: TestServer; // a second node with the same secret, issuing 4-second tokens

    before(async () => {
      [short, long] = [await startServer({ jwtExpiresIn: 2 }), await startServer({ jwtExpiresIn: 4 })];
    });
    after(async () => {
      await short.close();
      await long.close();
    });

    it('sends auth:expired when the token expires, then disconnects; the token is refused from then on', async () => {
      const user = await registerUser(short);
      const socket = await open(user.token, short);
      const gone = disconnected(socket, 5000);
      const expiresAt = Date.parse(user.expiresAt);
      expect(expiresAt - Date.now()).to.be.within(0, 2000);
      await next(socket, 'auth:expired', () => true, 4000);
      expect(Date.now()).to.be.at.least(expiresAt);
      expect(await gone).to.equal('io server disconnect');
      expect(await handshake(short, user.token)).to.equal('unauthorized');
      const me = await request<ApiErrorBody>(short, 'GET', '/api/auth/me', { token: user.token });
      expect([me.status, me.body.error.code]).to.deep.equal([401, 'unauthorized']);
    });

    it('keeps a socket connected past the first expiry after auth:refresh with a newer token', async () => {
      const user = await registerUser(short);
      const socket = await open(user.token, short);
      const refreshed = await request<{ token: string; expiresAt: string }>(long, 'POST', '/api/auth/refresh', {
        token: user.token,
      });
      expect(refreshed.status).to.equal(200);
      expect(Date.parse(refreshed.body.expiresAt)).to.be.above(Date.parse(user.expiresAt));
      expect(await ok(socket, 'auth:refresh', { token: refreshed.body.token })).to.deep.equal({
        expiresAt: refreshed.body.expiresAt,
      });

      expect(
        await expiresWithin(socket, Date.parse(user.expiresAt) + 1000 - Date.now()),
        'expired at the first expiry',
      ).to.equal(false);
      expect(socket.connected).to.equal(true);
      expect((await call(socket, 'sync', {})).ok).to.equal(true);

      // the newer token's own expiry still ends the connection
      const gone = disconnected(socket, Date.parse(refreshed.body.expiresAt) + 3000 - Date.now());
      expect(await expiresWithin(socket, Date.parse(refreshed.body.expiresAt) + 2000 - Date.now())).to.equal(true);
      expect(await gone).to.equal('io server disconnect');
    });

    it("refuses auth:refresh with another user's token or a bad one, and the socket still expires on time", async () => {
      const alice = await registerUser(short);
      const bob = await registerUser(long); // a valid, longer token, of someone else
      const socket = await open(alice.token, short);
      for (const token of [bob.token, 'not-a-token', `${alice.token}x`]) {
        const ack = await call(socket, 'auth:refresh', { token });
        expect(ack.ok || ack.error.code, token).to.equal('unauthorized');
      }
      expect(await expiresWithin(socket, Date.parse(alice.expiresAt) + 1500 - Date.now())).to.equal(true);
      await disconnected(socket, 2000);
    });
  });

  describe('logout-all', () => {
    const server = useServer();

    it("disconnects every open socket of the user, not other users' sockets, and refuses the old tokens", async () => {
      const alice = await registerUser(server());
      const bob = await registerUser(server());
      const login = await request<AuthResult>(server(), 'POST', '/api/auth/login', {
        body: { email: alice.email, password: alice.password },
      });
      expect(login.status).to.equal(200);
      const oldTokens = [alice.token, login.body.token];
      const aliceSockets = [
        await open(alice.token, server()),
        await open(alice.token, server()),
        await open(login.body.token, server()),
      ];
      const bobSocket = await open(bob.token, server());
      let bobDisconnected = false;
      bobSocket.on('disconnect', () => {
        bobDisconnected = true;
      });
      const gone = aliceSockets.map((s) => disconnected(s, 3000));

      const res = await request(server(), 'POST', '/api/auth/logout-all', { token: alice.token });
      expect([res.status, res.body]).to.deep.equal([204, undefined]);
      expect(await Promise.all(gone)).to.deep.equal(Array(3).fill('io server disconnect'));

      expect((await call(bobSocket, 'sync', {})).ok).to.equal(true);
      expect([bobSocket.connected, bobDisconnected]).to.deep.equal([true, false]);
      expect((await request(server(), 'GET', '/api/auth/me', { token: bob.token })).status).to.equal(200);

      for (const token of oldTokens) {
        for (const path of ['/api/auth/me', '/api/lists']) {
          const refused = await request<ApiErrorBody>(server(), 'GET', path, { token });
          expect([refused.status, refused.body.error.code], path).to.deep.equal([401, 'unauthorized']);
        }
        expect((await request(server(), 'POST', '/api/auth/refresh', { token })).status).to.equal(401);
        expect(await handshake(server(), token)).to.equal('unauthorized');
      }

      // signing in again works
      const again = await request<AuthResult>(server(), 'POST', '/api/auth/login', {
        body: { email: alice.email, password: alice.password },
      });
      expect((await request(server(), 'GET', '/api/auth/me', { token: again.body.token })).status).to.equal(200);
      expect(await handshake(server(), again.body.token)).to.equal('connected');
    });
  });
});

describe('tokens on open sockets', () => {
  const open = devices(); // on the server each test names

  describe('log out (one token)', () => {
    let nodeA: TestServer;
    let nodeB: TestServer; // another node on the same database; its tokens live twice as long

    before(async () => {
      [nodeA, nodeB] = [await startServer(), await startServer({ jwtExpiresIn: 7200 })];
      await cluster(nodeA, nodeB);
    });
    after(async () => {
      await nodeA.close();
      await nodeB.close();
    });

    it("disconnects the sockets running on that token on every node, not the user's other devices, and refuses the token from then on", async () => {
      const alice = await registerUser(nodeA);
      const laptop = await request<AuthResult>(nodeA, 'POST', '/api/auth/login', {
        body: { email: alice.email, password: alice.password },
      });
      const phone = [await open(alice.token, nodeA), await open(alice.token, nodeB)];
      const other = await open(laptop.body.token, nodeB);
      const gone = phone.map((s) => disconnected(s, 3000));
      let otherDropped = false;
      other.on('disconnect', () => (otherDropped = true));

      const res = await request(nodeA, 'POST', '/api/auth/logout', { token: alice.token });
      expect([res.status, res.body]).to.deep.equal([204, undefined]);
      expect(await Promise.all(gone)).to.deep.equal(['io server disconnect', 'io server disconnect']);

      // the laptop's token and socket are untouched
      expect((await call(other, 'sync', {})).ok).to.equal(true);
      expect([other.connected, otherDropped]).to.deep.equal([true, false]);
      expect((await request(nodeB, 'GET', '/api/auth/me', { token: laptop.body.token })).status).to.equal(200);

      for (const node of [nodeA, nodeB]) {
        for (const path of ['/api/auth/me', '/api/lists']) {
          const refused = await request<ApiErrorBody>(node, 'GET', path, { token: alice.token });
          expect([refused.status, refused.body.error.code], path).to.deep.equal([401, 'unauthorized']);
        }
        for (const path of ['/api/auth/refresh', '/api/auth/logout'])
          expect((await request(node, 'POST', path, { token: alice.token })).status, path).to.equal(401);
        expect(await handshake(node, alice.token)).to.equal('unauthorized');
      }
      const ack = await call(other, 'auth:refresh', { token: alice.token });
      expect(ack.ok || ack.error.code).to.equal('unauthorized');
    });

    it("a socket moved to a newer token by auth:refresh runs on it: the old token's log out leaves it, the new one's ends it", async () => {
      const alice = await registerUser(nodeA);
      const socket = await open(alice.token, nodeA);
      const newer = await request<{ token: string; expiresAt: string }>(nodeB, 'POST', '/api/auth/refresh', {
        token: alice.token,
      });
      expect(Date.parse(newer.body.expiresAt)).to.be.above(Date.parse(alice.expiresAt));
      await ok(socket, 'auth:refresh', { token: newer.body.token });

      expect((await request(nodeA, 'POST', '/api/auth/logout', { token: alice.token })).status).to.equal(204);
      expect((await call(socket, 'sync', {})).ok, 'still served on the newer token').to.equal(true);

      const gone = disconnected(socket, 3000);
      expect((await request(nodeB, 'POST', '/api/auth/logout', { token: newer.body.token })).status).to.equal(204);
      expect(await gone).to.equal('io server disconnect');
    });

    it('a node that missed the news refuses the next event of a socket on the logged-out token, and drops it', async () => {
      // no relay between the nodes, and the token checked on every event
      const deaf = await startServer({ socketAdapter: 'none', sessionRecheckMs: 0 });
      try {
        const alice = await registerUser(nodeA);
        const socket = await open(alice.token, deaf);
        expect((await call(socket, 'sync', {})).ok).to.equal(true);
        expect((await request(nodeA, 'POST', '/api/auth/logout', { token: alice.token })).status).to.equal(204);
        expect(socket.connected).to.equal(true); // not told
        const dropped = disconnected(socket);
        const ack = await call(socket, 'list:create', { name: 'After' });
        expect(ack.ok || ack.error.code).to.equal('unauthorized');
        expect(await dropped).to.equal('io server disconnect');
      } finally {
        await deaf.close();
      }
    });

    it('refuses a token whose subject is not a user id: connect_error unauthorized', async () => {
      const alice = await registerUser(nodeA);
      const { ver } = jwt.decode(alice.token) as { ver: number };
      for (const subject of ['not-a-uuid', '42', `${alice.user.id}x`, '']) {
        const claims: Record<string, unknown> = { ver, sub: subject };
        expect(await handshake(nodeA, jwt.sign(claims, TEST_SECRET, { expiresIn: 60 })), subject).to.equal(
          'unauthorized',
        );
      }
    });
  });
});
