/**
 * Failed logins are limited per account: LOGIN_FAILURE_LIMIT from one address, ten times as many from
 * all addresses together; while limited even the right password is refused. TRUST_PROXY decides
 * whether X-Forwarded-For names the address.
 */
import { expect } from 'chai';
import {
  registerUser,
  request,
  startServer,
  type ApiErrorBody,
  type TestServer,
  type TestUser,
} from '../support/server';

async function login(server: TestServer, user: TestUser, password: string, from?: string): Promise<number | string> {
  const headers: Record<string, string> = from ? { 'x-forwarded-for': from } : {};
  const res = await request<ApiErrorBody>(server, 'POST', '/api/auth/login', {
    body: { email: user.email, password },
    headers,
  });
  return res.status === 200 ? 200 : `${res.status} ${res.body.error.code}`;
}

describe('login limits', () => {
  describe('behind a trusted proxy', () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ loginFailureLimit: 3, trustProxy: true });
    });
    after(async () => {
      await server.close();
    });

    it('refuses an account LOGIN_FAILURE_LIMIT failures later from that address, even with the right password; other addresses still log in', async () => {
      const alice = await registerUser(server);
      const tries = [];
      for (let i = 0; i < 3; i += 1) tries.push(await login(server, alice, 'wrong password', '203.0.113.7'));
      expect(tries).to.deep.equal(['401 invalid_credentials', '401 invalid_credentials', '401 invalid_credentials']);
      expect(await login(server, alice, alice.password, '203.0.113.7')).to.equal('429 rate_limited');
      expect(await login(server, alice, 'wrong password', '203.0.113.7')).to.equal('429 rate_limited');
      // one stranger cannot lock the user out: from the user's own address the right password works
      expect(await login(server, alice, alice.password, '198.51.100.1')).to.equal(200);
      // and the limit is per account: another account from the guesser's address is served
      const bob = await registerUser(server);
      expect(await login(server, bob, bob.password, '203.0.113.7')).to.equal(200);
    });

    it('stops a distributed guesser: ten times the limit over all addresses refuses the account everywhere', async () => {
      const alice = await registerUser(server);
      for (let address = 1; address <= 10; address += 1) {
        for (let i = 0; i < 3; i += 1)
          expect(await login(server, alice, 'wrong password', `192.0.2.${address}`)).to.equal(
            '401 invalid_credentials',
          );
      }
      expect(await login(server, alice, alice.password, '198.51.100.99')).to.equal('429 rate_limited');
    });

    it('counts unknown emails the same way, so the answer does not tell which accounts exist', async () => {
      const ghost = { email: 'nobody-here@example.com', password: 'whatever1' } as TestUser;
      const tries = [];
      for (let i = 0; i < 4; i += 1) tries.push(await login(server, ghost, 'wrong password', '203.0.113.8'));
      expect(tries).to.deep.equal([
        '401 invalid_credentials',
        '401 invalid_credentials',
        '401 invalid_credentials',
        '429 rate_limited',
      ]);
    });

    it('a successful login forgets the failures of that address', async () => {
      const alice = await registerUser(server);
      for (let i = 0; i < 2; i += 1) await login(server, alice, 'wrong password', '203.0.113.9');
      expect(await login(server, alice, alice.password, '203.0.113.9')).to.equal(200);
      for (let i = 0; i < 2; i += 1)
        expect(await login(server, alice, 'wrong password', '203.0.113.9')).to.equal('401 invalid_credentials');
    });
  });

  describe('without TRUST_PROXY', () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ loginFailureLimit: 3, authRateLimit: 5 });
    });
    after(async () => {
      await server.close();
    });

    it('ignores X-Forwarded-For: a guesser cannot pose as many addresses', async () => {
      const alice = await registerUser(server);
      const tries = [];
      for (const from of ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'])
        tries.push(await login(server, alice, 'wrong password', from));
      expect(tries).to.deep.equal([
        '401 invalid_credentials',
        '401 invalid_credentials',
        '401 invalid_credentials',
        '429 rate_limited',
      ]);
    });
  });

  describe('AUTH_RATE_LIMIT per address', () => {
    it('with TRUST_PROXY, each client behind the proxy has a budget of its own', async () => {
      const server = await startServer({ authRateLimit: 2, trustProxy: 'loopback' });
      try {
        const attempt = (from: string) =>
          request(server, 'POST', '/api/auth/login', {
            body: { email: 'someone@example.com', password: 'whatever1' },
            headers: { 'x-forwarded-for': from },
          }).then((r) => r.status);
        expect([await attempt('192.0.2.10'), await attempt('192.0.2.10'), await attempt('192.0.2.10')]).to.deep.equal([
          401, 401, 429,
        ]);
        expect(await attempt('192.0.2.11')).to.equal(401);
      } finally {
        await server.close();
      }
    });
  });
});
