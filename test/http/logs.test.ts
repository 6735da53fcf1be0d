import crypto from 'node:crypto';
import { expect } from 'chai';
import type { AuthResult } from '../../shared/types';
import { taskFault, testDb } from '../support/database';
import { captureLogs, type LogLine } from '../support/logs';
import {
  type ApiErrorBody,
  call,
  devices,
  inboxOf,
  registerUser,
  request,
  startServer,
  type TestServer,
} from '../support/server';

describe('logs', () => {
  it('are JSON lines with a request id and never hold a password, token or hash, even at trace level', async () => {
    const { logger, texts: lines } = captureLogs('trace');
    const server = await startServer({}, { logger });
    try {
      const password = 'a very secret password';
      const email = `logs-${Date.now()}@example.com`;
      const reg = await request<AuthResult>(server, 'POST', '/api/auth/register', {
        body: { email, password, name: 'Logs' },
      });
      const login = await request<AuthResult>(server, 'POST', '/api/auth/login', { body: { email, password } });
      await request(server, 'POST', '/api/auth/login', { body: { email, password: `${password} wrong` } });
      await request(server, 'GET', '/api/auth/me', { token: login.body.token });
      await request(server, 'GET', '/api/auth/me', { token: 'not.a.token' });
      await request(server, 'POST', '/api/auth/login', { body: `{"email":"${email}","password":"${password}"` }); // malformed JSON

      expect(lines.length).to.be.greaterThan(5);
      const parsed = lines.map((l) => JSON.parse(l) as LogLine);
      expect(parsed.filter((l) => l.req?.id).length, 'request lines carry an id').to.be.greaterThan(5);
      const all = lines.join('\n');
      for (const secret of [password, reg.body.token, login.body.token, 'not.a.token'])
        expect(all).not.to.include(secret);
      expect(all).not.to.match(/\$2[aby]\$\d\d\$/);
    } finally {
      await server.close();
    }
  });
});

describe('logs of failed requests', () => {
  const tag = crypto.randomBytes(4).toString('hex');
  const refusedEmail = `refused-${tag}@example.com`;
  const refusedTitle = `refused task ${tag}`;
  const constraint = `logs_test_refuse_${tag}`;
  const { logger, lines, texts, logged } = captureLogs('trace');
  const openSockets = devices(() => server);
  let server: TestServer;
  let removeFault: (() => Promise<void>) | undefined;

  /** The one line pino-http writes when the request of `res` ended. */
  const requestLine = (res: { headers: Headers }) =>
    logged((l) => l.req?.id === res.headers.get('x-request-id') && l.res !== undefined);
  const errorLinesOf = (res: { headers: Headers }) =>
    lines.filter((l) => l.level >= 50 && l.req?.id === res.headers.get('x-request-id'));

  /** Nothing the client sent or was given that is a secret or private reaches the log. */
  function expectNoSecrets(...secrets: string[]): void {
    const all = texts.join('\n');
    for (const secret of secrets) expect(all).not.to.include(secret);
    expect(all).not.to.match(/\$2[aby]\$\d\d\$/);
    expect(all).not.to.match(/"(sql|parameters|original|parent|detail|fields|errors|headers|body)":/);
    expect(all).not.to.match(/authorization|bearer/i);
  }

  before(async () => {
    // real database errors on purpose: a CHECK that refuses one email (NOT VALID: existing rows are not
    // checked), and a trigger that raises for one task title
    await testDb().sequelize.query(
      `ALTER TABLE users ADD CONSTRAINT ${constraint} CHECK (email <> '${refusedEmail}') NOT VALID`,
    );
    removeFault = await taskFault(refusedTitle, "RAISE EXCEPTION 'refused by the logs test'");
    server = await startServer({}, { logger });
  });

  after(async () => {
    await (server as TestServer | undefined)?.close(); // unset if before() failed
    await testDb().sequelize.query(`ALTER TABLE users DROP CONSTRAINT IF EXISTS ${constraint}`);
    await removeFault?.();
  });

  it('a database error during register: 500 internal, one error line with the request id and the error code, no email or hash', async () => {
    const password = `register secret ${tag}`;
    const res = await request(server, 'POST', '/api/auth/register', {
      body: { email: refusedEmail, password, name: 'Refused' },
    });
    expect(res.status).to.equal(500);
    expect(res.body).to.deep.equal({ error: { code: 'internal', message: 'Something went wrong on our side' } });

    const line = await requestLine(res);
    expect(line.level).to.equal(50);
    expect(line.msg).to.equal('request failed');
    expect(line.res).to.deep.equal({ statusCode: 500 });
    expect(line.err).to.include({ type: 'SequelizeDatabaseError', code: '23514' });
    expect(line.err?.message).to.equal(`new row for relation "users" violates check constraint "${constraint}"`);
    expect(errorLinesOf(res)).to.have.length(1);
    expect(
      lines.filter((l) => l.level >= 50 && !l.req && !l.event),
      'no error line without a request id',
    ).to.deep.equal([]);
    expectNoSecrets(refusedEmail, password, 'Refused');
  });

  it('a database error during a task write over HTTP and over a socket: 500 internal, no task text or token in the log', async () => {
    const user = await registerUser(server);
    const listId = await inboxOf(server, user.token);
    const notes = `private notes ${tag}`;
    const res = await request<ApiErrorBody>(server, 'POST', `/api/lists/${listId}/tasks`, {
      token: user.token,
      body: { title: refusedTitle, notes },
    });
    expect(res.status).to.equal(500);
    expect(res.body.error.code).to.equal('internal');
    const line = await requestLine(res);
    expect(line.level).to.equal(50);
    expect(line.err).to.include({ code: 'P0001', message: 'refused by the logs test' });
    expect(errorLinesOf(res)).to.have.length(1);

    const socket = await openSockets(user.token);
    const ack = await call(socket, 'task:create', { listId, title: refusedTitle, notes });
    expect(ack).to.deep.equal({ ok: false, error: { code: 'internal', message: 'Something went wrong on our side' } });
    const socketLine = await logged((l) => l.event === 'task:create' && l.level >= 50);
    expect(socketLine.err).to.include({ code: 'P0001', message: 'refused by the logs test' });
    expect(lines.filter((l) => l.event === 'task:create' && l.level >= 50)).to.have.length(1);
    expectNoSecrets(refusedTitle, notes, user.token, user.email, user.password);
  });

  it('a client mistake (bad percent-encoding, bad JSON) is not an error line', async () => {
    const user = await registerUser(server);
    const bad = await request<ApiErrorBody>(server, 'GET', '/api/lists/%E0%A4%A/tasks', { token: user.token });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.code).to.equal('validation_error');
    const json = await request(server, 'POST', '/api/auth/login', {
      body: `{"email":"${user.email}","password":"${user.password}"`,
    });
    expect(json.status).to.equal(400);
    for (const res of [bad, json]) {
      const line = await requestLine(res);
      expect(line.level, JSON.stringify(line)).to.be.below(40);
      expect(line.err).to.equal(undefined);
      expect(lines.filter((l) => l.req?.id === res.headers.get('x-request-id') && l.level >= 40)).to.deep.equal([]);
    }
    expectNoSecrets(user.token, user.password);
  });
});
