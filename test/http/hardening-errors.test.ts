/**
 * Client mistakes are 4xx, a lost database connection is 503, deep nesting never overflows the
 * stack, and a logged error keeps no SQL, bind values or wrapped driver errors.
 */
import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import Joi from 'joi';
import { ConnectionRefusedError, DatabaseError, UniqueConstraintError, ValidationErrorItem } from 'sequelize';
import type { Task } from '../../shared/types';
import { AppError, isDatabaseUnavailable, toAppError } from '../../server/core/errors';
import { checkPayload, MAX_PAYLOAD_DEPTH, validate } from '../../server/core/validate';
import { createLogger, serializeError } from '../../server/core/logger';
import { taskFault } from '../support/database';
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

/** `[[[...]]]` `depth` levels deep, built without recursion. */
function nestedArrays(depth: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < depth; i += 1) value = [value];
  return value;
}

/** What `fn` threw, as an AppError code (or the error's name when it is not an AppError). */
function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${(err as Error).name}`;
  }
}

/** A pg error as node-postgres builds it from the server's ErrorResponse. */
function pgError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), { name: 'error', severity: 'ERROR', ...fields });
}

describe('hardening: payload depth and size', () => {
  it("checkPayload accepts the contract's payloads and the most levels, refuses one more", () => {
    expect(
      thrownCode(() => checkPayload({ id: crypto.randomUUID(), patch: { title: 'x', priority: 2 } }, 64 * 1024)),
    ).to.equal(undefined);
    expect(thrownCode(() => checkPayload({ cursors: { [crypto.randomUUID()]: 3 } }, 64 * 1024))).to.equal(undefined);
    expect(thrownCode(() => checkPayload(undefined, 10))).to.equal(undefined);
    expect(thrownCode(() => checkPayload(null, 10))).to.equal(undefined);
    expect(thrownCode(() => checkPayload('plain string', 64))).to.equal(undefined);
    expect(thrownCode(() => checkPayload(nestedArrays(MAX_PAYLOAD_DEPTH), 64 * 1024))).to.equal(undefined);
    expect(thrownCode(() => checkPayload(nestedArrays(MAX_PAYLOAD_DEPTH + 1), 64 * 1024))).to.equal('validation_error');
    expect(thrownCode(() => checkPayload({ a: [{ b: nestedArrays(MAX_PAYLOAD_DEPTH - 2) }] }, 64 * 1024))).to.equal(
      'validation_error',
    );
  });

  it('checkPayload refuses 100,000 nested arrays with validation_error, not a stack overflow', () => {
    expect(thrownCode(() => checkPayload(nestedArrays(100_000), 1024 * 1024 * 1024))).to.equal('validation_error');
    const wide = Array.from({ length: 50_000 }, () => ({ a: [1] })); // wide but shallow is a matter of size only
    expect(thrownCode(() => checkPayload(wide, 10 * 1024 * 1024))).to.equal(undefined);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(thrownCode(() => checkPayload(cycle, 1024))).to.equal('validation_error');
  });

  it('checkPayload refuses JSON over maxBytes with payload_too_large, counting bytes not characters', () => {
    const body = { title: 'x'.repeat(100) };
    const bytes = Buffer.byteLength(JSON.stringify(body));
    expect(thrownCode(() => checkPayload(body, bytes))).to.equal(undefined);
    expect(thrownCode(() => checkPayload(body, bytes - 1))).to.equal('payload_too_large');
    expect(thrownCode(() => checkPayload({ t: 'é'.repeat(40) }, 60))).to.equal('payload_too_large'); // 48 characters, 88 bytes
    expect(thrownCode(() => checkPayload(null, 3))).to.equal('payload_too_large'); // "null"
  });

  it('validate() answers a value nested 100,000 deep with validation_error', () => {
    const schema = Joi.object({ title: Joi.any(), patch: Joi.object().unknown(true) });
    expect(thrownCode(() => validate(schema, { title: nestedArrays(100_000) }))).to.equal('validation_error');
    expect(thrownCode(() => validate(schema, { patch: { a: nestedArrays(100_000) } }))).to.equal('validation_error');
    expect(thrownCode(() => validate(schema, nestedArrays(100_000)))).to.equal('validation_error');
    expect(validate(schema, { patch: { a: [[1]] } })).to.deep.equal({ patch: { a: [[1]] } });
  });
});

describe('hardening: toAppError', () => {
  it('turns client errors of Express, its router and body-parser into 400 (413 stays payload_too_large)', () => {
    const uri = Object.assign(new URIError("Failed to decode param '%E0%A4%A'"), { status: 400, statusCode: 400 });
    expect(toAppError(uri).code).to.equal('validation_error');
    expect(toAppError(uri).message).not.to.include('%E0');
    expect(
      toAppError(Object.assign(new Error('request aborted'), { status: 400, expose: true, type: 'request.aborted' }))
        .code,
    ).to.equal('validation_error');
    expect(toAppError(Object.assign(new Error('x'), { statusCode: 415, expose: true })).code).to.equal(
      'validation_error',
    );
    expect(
      toAppError(Object.assign(new Error('x'), { status: 413, expose: true, type: 'entity.too.large' })).code,
    ).to.equal('payload_too_large');
    expect(toAppError(Object.assign(new Error('x'), { status: 413 })).code).to.equal('payload_too_large');
    // not the client's fault
    expect(toAppError(Object.assign(new Error('x'), { status: 500, expose: false })).code).to.equal('internal');
    expect(toAppError(Object.assign(new Error('x'), { status: 400, expose: false })).code).to.equal('internal');
    expect(toAppError(new URIError('x')).code).to.equal('internal');
    expect(toAppError(new RangeError('Maximum call stack size exceeded')).code).to.equal('internal');
    expect(toAppError('a string').code).to.equal('internal');
    expect(toAppError(undefined).code).to.equal('internal');
  });

  it('turns a lost or refused database connection into 503 unavailable, whatever wraps it', () => {
    const unavailable = [
      new DatabaseError(pgError('terminating connection due to administrator command', { code: '57P01' }) as never),
      new DatabaseError(
        pgError('terminating connection due to crash of another server process', { code: '57P02' }) as never,
      ),
      new DatabaseError(pgError('the database system is starting up', { code: '57P03' }) as never),
      new DatabaseError(pgError('sorry, too many clients already', { code: '53300' }) as never),
      new DatabaseError(pgError('connection failure', { code: '08006' }) as never),
      new DatabaseError(new Error('Connection terminated unexpectedly') as never),
      new DatabaseError(
        Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' }) as never,
      ),
      new ConnectionRefusedError(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      ),
      pgError('terminating connection due to administrator command', { code: '57P01' }),
      pgError('server closed the connection', { code: '08003' }),
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }),
      Object.assign(new Error('wrapper'), { parent: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }),
      Object.assign(new Error('wrapper'), { original: pgError('x', { code: '57P01' }) }),
      { name: 'SequelizeConnectionAcquireTimeoutError', message: 'Operation timeout' },
      // the database too slow to answer within DB_TIMEOUTS: statement_timeout, idle_in_transaction_session_timeout, the client's read timeout
      new DatabaseError(pgError('canceling statement due to statement timeout', { code: '57014' }) as never),
      new DatabaseError(
        pgError('terminating connection due to idle-in-transaction timeout', { code: '25P03' }) as never,
      ),
      new DatabaseError(new Error('Query read timeout') as never),
    ];
    for (const err of unavailable) {
      expect(isDatabaseUnavailable(err), err.message).to.equal(true);
      expect(toAppError(err).code, err.message).to.equal('unavailable');
      expect(toAppError(err).status).to.equal(503);
    }
    const notUnavailable: Array<[unknown, string]> = [
      [
        new DatabaseError(
          pgError('new row for relation "users" violates check constraint "c"', { code: '23514' }) as never,
        ),
        'internal',
      ],
      [new DatabaseError(pgError('syntax error', { code: '42601' }) as never), 'internal'],
      [
        new DatabaseError(pgError('date/time field value out of range', { code: '22008' }) as never),
        'validation_error',
      ],
      [new Error('Connection terminated unexpectedly, says the user'), 'internal'],
      [Object.assign(new Error('x'), { code: 'ENOENT' }), 'internal'],
    ];
    for (const [err, code] of notUnavailable) expect(toAppError(err).code, (err as Error).message).to.equal(code);
  });
});

describe('hardening: serializeError', () => {
  const email = 'secret-person@example.com';
  const hash = '$2b$12$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234';

  function databaseError(): DatabaseError {
    const original = pgError('new row for relation "users" violates check constraint "c"', {
      code: '23514',
      detail: `Failing row contains (1, ${email}, ${hash}).`,
      table: 'users',
      constraint: 'c',
      where: `email = ${email}`,
      sql: 'INSERT INTO "users" ("email","password_hash") VALUES ($1,$2)',
      parameters: [email, hash],
    });
    return new DatabaseError(original as never);
  }

  it('keeps type, message, SQLSTATE and stack; drops sql, parameters, original, parent, detail', () => {
    const err = databaseError();
    expect(err.sql).to.include('INSERT'); // the raw error does carry them
    const out = serializeError(err) as Record<string, unknown>;
    expect(Object.keys(out).sort()).to.deep.equal(['code', 'message', 'stack', 'type']);
    expect(out).to.include({
      type: 'SequelizeDatabaseError',
      code: '23514',
      message: 'new row for relation "users" violates check constraint "c"',
    });
    const text = JSON.stringify(out);
    for (const secret of [email, hash, 'INSERT', 'Failing row']) expect(text).not.to.include(secret);
  });

  it('drops the values of a unique violation (errors, fields) and of any plain object', () => {
    const err = new UniqueConstraintError({
      message: 'Validation error',
      errors: [
        new ValidationErrorItem(
          'email must be unique',
          'unique violation',
          'email',
          email,
          null as never,
          'not_unique',
          'unique',
          [],
        ),
      ],
      fields: { email },
      parent: pgError('duplicate key value violates unique constraint "users_email_key"', {
        code: '23505',
        detail: `Key (email)=(${email}) already exists.`,
      }) as never,
    });
    const text = JSON.stringify(serializeError(err));
    expect(text).not.to.include(email);
    expect(JSON.parse(text)).to.include({ code: '23505' });
    const plain = {
      message: 'oops',
      sql: 'SELECT 1',
      parameters: [hash],
      body: { password: 'hunter2hunter2' },
      headers: { authorization: 'Bearer abc' },
    };
    const plainText = JSON.stringify(serializeError(plain));
    for (const secret of [hash, 'SELECT', 'hunter2', 'Bearer']) expect(plainText).not.to.include(secret);
    expect(serializeError(null)).to.equal(null);
    expect(serializeError('text')).to.equal('text');
  });

  it('is the serializer of every logger, under err and error, and for an error logged bare', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    logger.error({ err: databaseError() }, 'one');
    logger.warn({ error: databaseError() }, 'two');
    logger.error(databaseError(), 'three');
    logger.child({ event: 'task:create' }).error({ err: databaseError() }, 'four');
    expect(lines).to.have.length(4);
    for (const line of lines) {
      expect(line).not.to.include(email);
      expect(line).not.to.include(hash);
      const parsed = JSON.parse(line) as LogLine;
      expect(parsed.err ?? parsed.error).to.include({ code: '23514', type: 'SequelizeDatabaseError' });
    }
  });
});

describe('hardening: a database connection killed during a request', () => {
  const marker = `kill-me-${crypto.randomBytes(4).toString('hex')}`;
  const { logger, lines, logged } = captureLogs('debug');
  const open = devices(() => server);
  let server: TestServer;
  let removeFault: (() => Promise<void>) | undefined;

  before(async () => {
    removeFault = await taskFault(marker, 'PERFORM pg_terminate_backend(pg_backend_pid())');
    // the shared test pool: createSequelize would bind the (global) models to a second instance; the
    // pool never hands out again a connection that got a FATAL error, so it recovers from the kill
    server = await startServer({}, { logger });
  });

  after(async () => {
    await (server as TestServer | undefined)?.close(); // unset if before() failed
    await removeFault?.();
  });

  it('answers 503 unavailable over HTTP, logs it once with the request id and no task text, and recovers', async () => {
    const user = await registerUser(server);
    const listId = await inboxOf(server, user.token);
    const notes = `private notes ${crypto.randomBytes(6).toString('hex')}`;
    const res = await request<ApiErrorBody>(server, 'POST', `/api/lists/${listId}/tasks`, {
      token: user.token,
      body: { title: marker, notes },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(503);
    expect(res.body).to.deep.equal({ error: { code: 'unavailable', message: 'The database is unavailable' } });

    const requestId = res.headers.get('x-request-id');
    const line = await logged((l) => l.req?.id === requestId && l.res !== undefined);
    expect(line.level).to.equal(50);
    expect(line.res?.statusCode).to.equal(503);
    expect(
      line.err?.code === '57P01' || /Connection terminated/.test(line.err?.message ?? ''),
      JSON.stringify(line.err),
    ).to.equal(true);
    expect(lines.filter((l) => l.level >= 50 && l.req?.id === requestId)).to.have.length(1);
    const all = JSON.stringify(lines);
    for (const secret of [marker, notes, user.token, user.email]) expect(all).not.to.include(secret);
    expect(all).not.to.match(/"(sql|parameters|original|parent)"/);

    // the pool drops the dead connection: the next write works
    const next = await request<{ task: Task }>(server, 'POST', `/api/lists/${listId}/tasks`, {
      token: user.token,
      body: { title: 'after the kill' },
    });
    expect(next.status, JSON.stringify(next.body)).to.equal(201);
  });

  it('answers unavailable to a socket event', async () => {
    const user = await registerUser(server);
    const listId = await inboxOf(server, user.token);
    const socket = await open(user.token);
    const ack = await call(socket, 'task:create', { listId, title: marker });
    expect(ack).to.deep.equal({ ok: false, error: { code: 'unavailable', message: 'The database is unavailable' } });
    const again = await call(socket, 'task:create', { listId, title: 'after the kill' });
    expect(again.ok, JSON.stringify(again)).to.equal(true);
    expect(JSON.stringify(lines)).not.to.include(marker);
  });
});
