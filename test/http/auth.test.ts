import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import type { AuthResult, List, User } from '../../shared/types';
import {
  type ApiErrorBody,
  type HttpResult,
  registerUser,
  request,
  startServer,
  TEST_SECRET,
  type TestServer,
  useServer,
} from '../support/server';

const unique = () => `a${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}@Example.com`;

describe('REST auth', () => {
  const server = useServer();

  describe('POST /api/auth/register', () => {
    it('creates the user with an Inbox list and answers 201 {user, token, expiresAt}, never a hash', async () => {
      const email = unique();
      const res = await request<AuthResult>(server(), 'POST', '/api/auth/register', {
        body: { email: `  ${email} `, password: 'long enough', name: 'Ann' },
      });
      expect(res.status).to.equal(201);
      expect(res.body).to.have.keys('user', 'token', 'expiresAt');
      expect(res.body.user).to.have.keys('id', 'email', 'name', 'createdAt');
      expect(res.body.user).to.include({ email: email.toLowerCase(), name: 'Ann' });
      expect(JSON.stringify(res.body)).not.to.match(/\$2[aby]\$|hash|password/i);
      expect(Date.parse(res.body.expiresAt)).to.be.greaterThan(Date.now());
      const lists = await request<{ lists: List[] }>(server(), 'GET', '/api/lists', { token: res.body.token });
      expect(lists.body.lists.map((l) => [l.name, l.role])).to.deep.equal([['Inbox', 'owner']]);
    });

    it('refuses an email taken in any case with 409 email_taken', async () => {
      const email = unique();
      await request(server(), 'POST', '/api/auth/register', { body: { email, password: 'long enough', name: 'A' } });
      const res = await request<ApiErrorBody>(server(), 'POST', '/api/auth/register', {
        body: { email: email.toUpperCase(), password: 'long enough', name: 'B' },
      });
      expect(res.status).to.equal(409);
      expect(res.body.error.code).to.equal('email_taken');
    });

    const bad: Array<[string, Record<string, unknown>]> = [
      ['a malformed email', { email: 'not-an-email', password: 'long enough', name: 'A' }],
      ['a 7-byte password', { email: unique(), password: 'seven77', name: 'A' }],
      ['a 73-byte password', { email: unique(), password: 'é'.repeat(36) + 'x', name: 'A' }],
      ['an empty name', { email: unique(), password: 'long enough', name: '   ' }],
      ['a 101-character name', { email: unique(), password: 'long enough', name: 'n'.repeat(101) }],
      ['a missing password', { email: unique(), name: 'A' }],
      ['a number for a name', { email: unique(), password: 'long enough', name: 42 }],
    ];
    for (const [what, body] of bad) {
      it(`refuses ${what} with 400 validation_error naming the field`, async () => {
        const res = await request<ApiErrorBody>(server(), 'POST', '/api/auth/register', { body });
        expect(res.status).to.equal(400);
        expect(res.body.error.code).to.equal('validation_error');
        expect(res.body.error.details).to.be.an('array').with.lengthOf.above(0);
      });
    }

    it('stores one form of an email: NFC and NFD "rené", an IDN domain and its punycode, any case, are one account', async () => {
      const tag = Date.now().toString(36);
      const pairs: Array<[string, string, string]> = [
        [`ren\u00e9.${tag}@example.com`, `REN\u0045\u0301.${tag}@example.com`, `ren\u00e9.${tag}@example.com`],
        [
          `carol.${tag}@b\u00fccher.example`,
          `carol.${tag}@xn--bcher-kva.example`,
          `carol.${tag}@xn--bcher-kva.example`,
        ],
        [`dan.${tag}@xn--bcher-kva.example`, `Dan.${tag}@B\u00dcCHER.example`, `dan.${tag}@xn--bcher-kva.example`],
      ];
      for (const [first, second, stored] of pairs) {
        const made = await request<AuthResult>(server(), 'POST', '/api/auth/register', {
          body: { email: first, password: 'long enough', name: 'A' },
        });
        expect([made.status, made.body.user.email], first).to.deep.equal([201, stored]);
        const again = await request<ApiErrorBody>(server(), 'POST', '/api/auth/register', {
          body: { email: second, password: 'long enough', name: 'B' },
        });
        expect([again.status, again.body.error.code], second).to.deep.equal([409, 'email_taken']);
        const login = await request<AuthResult>(server(), 'POST', '/api/auth/login', {
          body: { email: second, password: 'long enough' },
        });
        expect([login.status, login.body.user.id], second).to.deep.equal([200, made.body.user.id]);
      }
    });

    it('refuses invisible and bidirectional control characters in an email with 400 validation_error', async () => {
      const tag = Date.now().toString(36);
      for (const char of ['\u200b', '\u200d', '\u202e', '\u2066', '\ufeff', '\u00ad', '\u00a0', '\u3164', '\u0007']) {
        for (const route of ['register', 'login']) {
          const res = await request<ApiErrorBody>(server(), 'POST', `/api/auth/${route}`, {
            body: { email: `b${char}ob.${tag}@example.com`, password: 'long enough', name: 'A' },
          });
          const what = `U+${char.codePointAt(0)!.toString(16).padStart(4, '0')} (${route})`;
          expect([res.status, res.body.error.code], what).to.deep.equal([400, 'validation_error']);
          expect(res.body.error.details, what).to.be.an('array').with.length.above(0);
        }
      }
    });

    it('keeps a lookalike of another script (Cyrillic "\u0430" for Latin "a") a separate account, as mail servers do', async () => {
      const tag = Date.now().toString(36);
      const a = await request<AuthResult>(server(), 'POST', '/api/auth/register', {
        body: { email: `alice.${tag}@example.com`, password: 'long enough', name: 'A' },
      });
      const cyrillic = await request<AuthResult>(server(), 'POST', '/api/auth/register', {
        body: { email: `\u0430lice.${tag}@example.com`, password: 'long enough', name: 'B' },
      });
      expect([a.status, cyrillic.status]).to.deep.equal([201, 201]);
      expect(cyrillic.body.user.email).to.equal(`\u0430lice.${tag}@example.com`);
      expect(cyrillic.body.user.id).not.to.equal(a.body.user.id);
    });

    it('accepts a 72-byte password', async () => {
      const res = await request(server(), 'POST', '/api/auth/register', {
        body: { email: unique(), password: 'é'.repeat(36), name: 'A' },
      });
      expect(res.status).to.equal(201);
    });
  });
});

describe('REST auth', () => {
  const server = useServer();

  describe('POST /api/auth/login', () => {
    it('logs in with the email in any case and spaces', async () => {
      const user = await registerUser(server());
      const res = await request<AuthResult>(server(), 'POST', '/api/auth/login', {
        body: { email: ` ${user.email.toUpperCase()} `, password: user.password },
      });
      expect(res.status).to.equal(200);
      expect(res.body.user).to.deep.equal(user.user);
      expect(res.body.token).to.be.a('string');
    });

    it('answers a wrong password and an unknown email with the same 401 body', async () => {
      const user = await registerUser(server());
      const wrong = await request<ApiErrorBody>(server(), 'POST', '/api/auth/login', {
        body: { email: user.email, password: 'wrong password' },
      });
      const unknown = await request<ApiErrorBody>(server(), 'POST', '/api/auth/login', {
        body: { email: unique(), password: 'wrong password' },
      });
      expect(wrong.status).to.equal(401);
      expect(unknown.status).to.equal(401);
      expect(wrong.body).to.deep.equal(unknown.body);
      expect(wrong.body.error.code).to.equal('invalid_credentials');
    });

    it('refuses a password longer than 72 bytes even when its first 72 bytes are right', async () => {
      const email = unique();
      const password = 'p'.repeat(72);
      await request(server(), 'POST', '/api/auth/register', { body: { email, password, name: 'Long' } });
      const res = await request<ApiErrorBody>(server(), 'POST', '/api/auth/login', {
        body: { email, password: `${password}extra` },
      });
      expect(res.status).to.equal(401);
      expect(res.body.error.code).to.equal('invalid_credentials');
      expect((await request(server(), 'POST', '/api/auth/login', { body: { email, password } })).status).to.equal(200);
    });
  });
});

describe('REST auth', () => {
  const server = useServer();

  describe('bearer routes', () => {
    it('GET /me answers the user; refresh gives a working token', async () => {
      const user = await registerUser(server());
      const me = await request<{ user: User }>(server(), 'GET', '/api/auth/me', { token: user.token });
      expect(me.status).to.equal(200);
      expect(me.body).to.deep.equal({ user: user.user });
      const refreshed = await request<Omit<AuthResult, 'user'>>(server(), 'POST', '/api/auth/refresh', {
        token: user.token,
      });
      expect(refreshed.status).to.equal(200);
      expect(refreshed.body).to.have.keys('token', 'expiresAt');
      expect((await request(server(), 'GET', '/api/auth/me', { token: refreshed.body.token })).status).to.equal(200);
    });

    it('logout-all answers 204 and refuses every token issued before, but not later logins', async () => {
      const user = await registerUser(server());
      const second = await request<Omit<AuthResult, 'user'>>(server(), 'POST', '/api/auth/refresh', {
        token: user.token,
      });
      expect((await request(server(), 'POST', '/api/auth/logout-all', { token: user.token })).status).to.equal(204);
      for (const token of [user.token, second.body.token]) {
        const res = await request<ApiErrorBody>(server(), 'GET', '/api/auth/me', { token });
        expect(res.status).to.equal(401);
        expect(res.body.error.code).to.equal('unauthorized');
      }
      const again = await request<AuthResult>(server(), 'POST', '/api/auth/login', {
        body: { email: user.email, password: user.password },
      });
      expect((await request(server(), 'GET', '/api/auth/me', { token: again.body.token })).status).to.equal(200);
    });

    it("POST /logout answers 204 and refuses that token from then on; the user's other tokens keep working", async () => {
      const user = await registerUser(server());
      const other = await request<AuthResult>(server(), 'POST', '/api/auth/login', {
        body: { email: user.email, password: user.password },
      });
      const res = await request(server(), 'POST', '/api/auth/logout', { token: user.token });
      expect([res.status, res.body]).to.deep.equal([204, undefined]);
      for (const [method, path] of [
        ['GET', '/api/auth/me'],
        ['POST', '/api/auth/refresh'],
        ['POST', '/api/auth/logout'],
        ['GET', '/api/lists'],
      ]) {
        const refused = await request<ApiErrorBody>(server(), method, path, { token: user.token });
        expect([refused.status, refused.body.error.code], path).to.deep.equal([401, 'unauthorized']);
      }
      expect((await request(server(), 'GET', '/api/auth/me', { token: other.body.token })).status).to.equal(200);
      expect((await request(server(), 'GET', '/api/lists', { token: other.body.token })).status).to.equal(200);
    });

    it('POST /logout revokes a token signed without an id (before tokens had one) too', async () => {
      const user = await registerUser(server());
      const { ver } = jwt.decode(user.token) as { ver: number };
      const old = jwt.sign({ ver }, TEST_SECRET, { subject: user.user.id, expiresIn: 600 });
      expect((await request(server(), 'GET', '/api/auth/me', { token: old })).status).to.equal(200);
      expect((await request(server(), 'POST', '/api/auth/logout', { token: old })).status).to.equal(204);
      expect((await request(server(), 'GET', '/api/auth/me', { token: old })).status).to.equal(401);
      expect((await request(server(), 'GET', '/api/auth/me', { token: user.token })).status).to.equal(200);
    });

    it('refuses a token whose subject is not a user id with 401 unauthorized', async () => {
      const user = await registerUser(server());
      const { ver } = jwt.decode(user.token) as { ver: number };
      for (const subject of ['not-a-uuid', '42', `${user.user.id}x`, '']) {
        const claims: Record<string, unknown> = { ver, sub: subject };
        const token = jwt.sign(claims, TEST_SECRET, { expiresIn: 60 });
        for (const path of ['/api/auth/me', '/api/lists']) {
          const res = await request<ApiErrorBody>(server(), 'GET', path, { token });
          expect([res.status, res.body.error.code], `${subject} ${path}`).to.deep.equal([401, 'unauthorized']);
        }
      }
    });

    it('refuses missing, tampered, wrong-secret, alg:none and expired tokens with 401 unauthorized', async () => {
      const user = await registerUser(server());
      const { sub, ver } = jwt.decode(user.token) as { sub: string; ver: number };
      const [head, payload, sig] = user.token.split('.');
      const other = JSON.parse(Buffer.from(payload, 'base64url').toString()) as object;
      const tampered = `${head}.${Buffer.from(JSON.stringify({ ...other, sub: crypto.randomUUID() })).toString('base64url')}.${sig}`;
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
      const tokens = {
        missing: undefined,
        garbage: 'not.a.token',
        tampered,
        wrongSecret: jwt.sign({ ver }, 'another-secret-that-is-long-enough-0123456789', {
          subject: sub,
          expiresIn: 60,
        }),
        none,
        hs512: jwt.sign({ ver }, TEST_SECRET, { subject: sub, expiresIn: 60, algorithm: 'HS512' }),
        expired: jwt.sign({ ver, exp: Math.floor(Date.now() / 1000) - 10 }, TEST_SECRET, { subject: sub }),
      };
      for (const [what, token] of Object.entries(tokens)) {
        const res = await request<ApiErrorBody>(server(), 'GET', '/api/auth/me', { token });
        expect(res.status, what).to.equal(401);
        expect(res.body.error.code, what).to.equal('unauthorized');
      }
    });
  });
});

describe('REST auth', () => {
  describe("the user's event budget", () => {
    let tight: TestServer;
    before(async () => {
      tight = await startServer({ userEventsPerSecond: 1 }); // bursts of 2
    });
    after(async () => {
      await tight.close();
    });

    for (const [method, path] of [
      ['GET', '/api/auth/me'],
      ['POST', '/api/auth/refresh'],
    ] as const) {
      it(`${method} ${path} spends one unit of it: past it, 429 rate_limited with Retry-After`, async () => {
        const user = await registerUser(tight);
        let refused: HttpResult<ApiErrorBody> | undefined;
        for (let i = 0; i < 10 && !refused; i++) {
          const res = await request<ApiErrorBody>(tight, method, path, { token: user.token });
          if (res.status !== 200) refused = res;
        }
        expect(refused?.status, 'refused within 10 calls at 1 a second').to.equal(429);
        expect(refused?.body.error.code).to.equal('rate_limited');
        expect(Number(refused?.headers.get('retry-after'))).to.be.within(1, 2);
      });
    }
  });

  describe('rate limit', () => {
    let limited: TestServer;
    before(async () => {
      limited = await startServer({ authRateLimit: 3 });
    });
    after(async () => {
      await limited.close();
    });

    it('answers 429 rate_limited after AUTH_RATE_LIMIT register and login attempts a minute', async () => {
      const statuses: number[] = [];
      let last: HttpResult | undefined;
      for (let i = 0; i < 4; i++) {
        const res = await request<ApiErrorBody>(limited, 'POST', '/api/auth/login', {
          body: { email: unique(), password: 'whatever1' },
        });
        last = res;
        statuses.push(res.status);
        if (res.status === 429) expect(res.body.error.code).to.equal('rate_limited');
      }
      expect(statuses).to.deep.equal([401, 401, 401, 429]);
      expect(Number(last?.headers.get('retry-after')), 'the seconds left of the minute').to.be.within(1, 60);
      const register = await request(limited, 'POST', '/api/auth/register', {
        body: { email: unique(), password: 'long enough', name: 'A' },
      });
      expect(register.status).to.equal(429);
    });
  });
});
