/**
 * Failed logins are limited per account: LOGIN_FAILURE_LIMIT from one address, ten times as many from
 * all addresses together; while limited even the right password is refused. TRUST_PROXY decides
 * whether X-Forwarded-For names the address. A known device (it presents the device cookie of an
 * earlier sign-in of the account) is counted on its own and is not held by the account's lockout.
 * Every 429 says how long to wait (Retry-After).
 */
import crypto from 'node:crypto';
import { expect } from 'chai';
import {
  type ApiErrorBody,
  type HttpResult,
  registerUser,
  request,
  startServer,
  TEST_SECRET,
  type TestServer,
  type TestUser,
  useServer,
} from '../support/server';

/** A login of `user` from `from` (X-Forwarded-For), with the device cookie `device`: 200, or "status code". */
async function login(
  server: TestServer,
  user: TestUser,
  password: string,
  from?: string,
  device?: string,
): Promise<number | string> {
  const res = await attempt(server, user, password, from, device);
  return res.status === 200 ? 200 : `${res.status} ${res.body.error.code}`;
}

function attempt(
  server: TestServer,
  user: TestUser,
  password: string,
  from?: string,
  device?: string,
): Promise<HttpResult<ApiErrorBody>> {
  const headers: Record<string, string> = from ? { 'x-forwarded-for': from } : {};
  if (device) headers.cookie = `todo_device=${device}`;
  return request<ApiErrorBody>(server, 'POST', '/api/auth/login', { body: { email: user.email, password }, headers });
}

/** The device cookie a sign-in answered: its value and its attributes (lower-cased names). */
function deviceCookie(res: HttpResult): { value: string; attributes: Record<string, string> } {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('todo_device='));
  if (!cookie) throw new Error(`no device cookie: ${res.headers.getSetCookie().join(' | ')}`);
  const [pair, ...rest] = cookie.split(';').map((p) => p.trim());
  const attributes = Object.fromEntries(
    rest.map((a) => {
      const [name, ...value] = a.split('=');
      return [name.toLowerCase(), value.join('=')];
    }),
  );
  return { value: pair.slice('todo_device='.length), attributes };
}

/** Signs `user` in from `from` and answers the device cookie it gets. */
async function knownDevice(server: TestServer, user: TestUser, from: string): Promise<string> {
  const res = await attempt(server, user, user.password, from);
  expect(res.status).to.equal(200);
  return deviceCookie(res).value;
}

describe('login limits', () => {
  describe('behind a trusted proxy', () => {
    const server = useServer({ loginFailureLimit: 3, trustProxy: true });

    it('refuses an account LOGIN_FAILURE_LIMIT failures later from that address, even with the right password; other addresses still log in', async () => {
      const alice = await registerUser(server());
      const tries = [];
      for (let i = 0; i < 3; i += 1) tries.push(await login(server(), alice, 'wrong password', '203.0.113.7'));
      expect(tries).to.deep.equal(['401 invalid_credentials', '401 invalid_credentials', '401 invalid_credentials']);
      expect(await login(server(), alice, alice.password, '203.0.113.7')).to.equal('429 rate_limited');
      expect(await login(server(), alice, 'wrong password', '203.0.113.7')).to.equal('429 rate_limited');
      // one stranger cannot lock the user out: from the user's own address the right password works
      expect(await login(server(), alice, alice.password, '198.51.100.1')).to.equal(200);
      // and the limit is per account: another account from the guesser's address is served
      const bob = await registerUser(server());
      expect(await login(server(), bob, bob.password, '203.0.113.7')).to.equal(200);
    });

    it('stops a distributed guesser: ten times the limit over all addresses refuses the account everywhere', async () => {
      const alice = await registerUser(server());
      for (let address = 1; address <= 10; address += 1) {
        for (let i = 0; i < 3; i += 1)
          expect(await login(server(), alice, 'wrong password', `192.0.2.${address}`)).to.equal(
            '401 invalid_credentials',
          );
      }
      expect(await login(server(), alice, alice.password, '198.51.100.99')).to.equal('429 rate_limited');
    });

    it('counts unknown emails the same way, so the answer does not tell which accounts exist', async () => {
      const ghost = { email: 'nobody-here@example.com', password: 'whatever1' } as TestUser;
      const tries = [];
      for (let i = 0; i < 4; i += 1) tries.push(await login(server(), ghost, 'wrong password', '203.0.113.8'));
      expect(tries).to.deep.equal([
        '401 invalid_credentials',
        '401 invalid_credentials',
        '401 invalid_credentials',
        '429 rate_limited',
      ]);
    });

    it('a successful login forgets the failures of that address', async () => {
      const alice = await registerUser(server());
      for (let i = 0; i < 2; i += 1) await login(server(), alice, 'wrong password', '203.0.113.9');
      expect(await login(server(), alice, alice.password, '203.0.113.9')).to.equal(200);
      for (let i = 0; i < 2; i += 1)
        expect(await login(server(), alice, 'wrong password', '203.0.113.9')).to.equal('401 invalid_credentials');
    });
  });

  describe('without TRUST_PROXY', () => {
    const server = useServer({ loginFailureLimit: 3, authRateLimit: 5 });

    it('ignores X-Forwarded-For: a guesser cannot pose as many addresses', async () => {
      const alice = await registerUser(server());
      const tries = [];
      for (const from of ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'])
        tries.push(await login(server(), alice, 'wrong password', from));
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

describe('login limits', () => {
  describe('known devices (device cookie)', () => {
    const server = useServer({ loginFailureLimit: 3, trustProxy: true });

    it("a stranger's guesses from ten addresses lock the account for others, not for a device that signed in before", async () => {
      const alice = await registerUser(server());
      const laptop = await knownDevice(server(), alice, '198.51.100.20');
      for (let address = 1; address <= 10; address += 1)
        for (let i = 0; i < 3; i += 1)
          expect(await login(server(), alice, 'wrong password', `192.0.2.${address}`)).to.equal(
            '401 invalid_credentials',
          );
      // untrusted attempts keep the limits: the right password from anywhere else is refused, saying for how long
      const refused = await attempt(server(), alice, alice.password, '203.0.113.20');
      expect([refused.status, refused.body.error.code]).to.deep.equal([429, 'rate_limited']);
      expect(Number(refused.headers.get('retry-after')), 'the seconds left of the 15 minutes').to.be.within(800, 900);
      // the laptop signs in from a new address, and even from an address the guesser locked
      expect(await login(server(), alice, alice.password, '203.0.113.21', laptop)).to.equal(200);
      expect(await login(server(), alice, alice.password, '192.0.2.1', laptop)).to.equal(200);
      // and the guesser's next try is still refused
      expect(await login(server(), alice, alice.password, '192.0.2.11')).to.equal('429 rate_limited');
    });

    it("a known device's failures are its own: LOGIN_FAILURE_LIMIT of them lock that device only", async () => {
      const alice = await registerUser(server());
      const phone = await knownDevice(server(), alice, '198.51.100.30');
      for (let i = 0; i < 3; i += 1)
        expect(await login(server(), alice, 'wrong password', '198.51.100.30', phone)).to.equal(
          '401 invalid_credentials',
        );
      const locked = await attempt(server(), alice, alice.password, '198.51.100.31', phone);
      expect([locked.status, locked.body.error.message]).to.deep.equal([
        429,
        'Too many failed logins from this device, try again in 15 minutes',
      ]);
      expect(Number(locked.headers.get('retry-after'))).to.be.within(800, 900);
      // neither the address nor the account counted them: another device, from that same address, is served
      expect(await login(server(), alice, alice.password, '198.51.100.30')).to.equal(200);
    });

    it("a cookie of another account, a tampered or an expired one is no known device: the account's lockout holds", async () => {
      const [alice, bob] = [await registerUser(server()), await registerUser(server())];
      const alices = await knownDevice(server(), alice, '198.51.100.40');
      const bobs = await knownDevice(server(), bob, '198.51.100.40');
      for (let i = 0; i < 3; i += 1) await login(server(), alice, 'wrong password', '203.0.113.40');
      const [uid, , nonce] = alices.split('.');
      const past = Math.floor(Date.now() / 1000) - 60;
      // signed as the server signs (HKDF of JWT_SECRET), but expired
      const key = Buffer.from(crypto.hkdfSync('sha256', TEST_SECRET, 'todo-server', 'device cookie v1', 32));
      const expired = `${uid}.${past}.${nonce}.${crypto.createHmac('sha256', key).update(`${uid}.${past}.${nonce}`).digest('base64url')}`;
      const cookies = {
        "bob's": bobs,
        tampered: `${alices.slice(0, -2)}${alices.endsWith('AA') ? 'AB' : 'AA'}`,
        'moved to another account': `${bob.user.id}.${alices.split('.').slice(1).join('.')}`,
        expired,
        garbage: 'not-a-cookie',
      };
      for (const [what, cookie] of Object.entries(cookies))
        expect(await login(server(), alice, alice.password, '203.0.113.40', cookie), what).to.equal('429 rate_limited');
      expect(await login(server(), alice, alice.password, '203.0.113.40', alices)).to.equal(200);
    });

    it('is HttpOnly, SameSite=Strict, for /api/auth only, kept a year, and Secure over HTTPS; register sets one too', async () => {
      const email = `d${crypto.randomBytes(6).toString('hex')}@example.com`;
      const registered = await request(server(), 'POST', '/api/auth/register', {
        body: { email, password: 'correct horse battery', name: 'D' },
        headers: { 'x-forwarded-for': '198.51.100.50' },
      });
      expect(registered.status).to.equal(201);
      const { attributes } = deviceCookie(registered);
      expect(attributes).to.include({ path: '/api/auth', httponly: '', samesite: 'Strict', 'max-age': '31536000' });
      expect(attributes).not.to.have.property('secure');
      // behind a TLS-terminating proxy (trusted): Secure
      const https = await request(server(), 'POST', '/api/auth/login', {
        body: { email, password: 'correct horse battery' },
        headers: { 'x-forwarded-for': '198.51.100.50', 'x-forwarded-proto': 'https' },
      });
      expect(deviceCookie(https).attributes).to.have.property('secure');
    });
  });
});
