/** One error class and one serializer for HTTP bodies and socket acks: known messages only. */
import type Joi from 'joi';
import { ERROR_STATUS, type ApiError, type ErrorCode } from '../shared/types';

const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  validation_error: 'The request is not valid',
  unauthorized: 'Authentication is required',
  invalid_credentials: 'Email or password is wrong',
  forbidden: 'You may not do this',
  not_found: 'Not found',
  conflict: 'The resource was changed or exists already',
  email_taken: 'This email is already registered',
  limit_exceeded: 'A limit of the service was reached',
  payload_too_large: 'The payload is too large',
  rate_limited: 'Too many requests, slow down',
  internal: 'Something went wrong on our side',
  unavailable: 'The service is unavailable',
};

export class AppError extends Error {
  constructor(readonly code: ErrorCode, message = DEFAULT_MESSAGES[code], readonly details?: unknown) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toJSON(): ApiError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export const notFound = (what = 'Not found') => new AppError('not_found', what);
export const forbidden = (message?: string) => new AppError('forbidden', message);

/** Validates `input` with `schema` and returns the cleaned value, or throws a validation_error. */
export function validate<T>(schema: Joi.Schema, input: unknown): T {
  // before Joi or anything recursive walks it: a deeply nested value must not reach them
  if (nestedTooDeep(input)) throw tooDeep();
  const { value, error } = schema.validate(input ?? {}, { abortEarly: false, stripUnknown: true, convert: true });
  if (error) {
    const details = error.details.map((d) => ({ path: d.path.join('.'), message: d.message }));
    throw new AppError('validation_error', details.map((d) => d.message).join('; '), details);
  }
  // PostgreSQL text cannot hold U+0000 (and the driver would store it altered): refuse it
  const nul = nulPath(value);
  if (nul) {
    const message = `"${nul.join('.') || 'value'}" must not contain the NUL character`;
    throw new AppError('validation_error', message, [{ path: nul.join('.'), message }]);
  }
  return value as T;
}

/**
 * How many levels of objects and arrays a payload may nest. The contract's deepest legitimate
 * payload is about 3 (`{patch: {...}}`, `{cursors: {...}}`); anything past this is refused.
 */
export const MAX_PAYLOAD_DEPTH = 16;

const tooDeep = () => new AppError('validation_error', `The payload is nested more than ${MAX_PAYLOAD_DEPTH} levels deep`);

/**
 * Whether `value` nests objects or arrays more than `max` levels deep (a top-level object or array is
 * level 1). Iterative, with its own stack and never descending past `max`, so any depth (100,000
 * nested arrays, a cycle) is answered without recursion or a stack overflow.
 */
export function nestedTooDeep(value: unknown, max = MAX_PAYLOAD_DEPTH): boolean {
  const stack: Array<{ value: object; depth: number }> = [];
  const push = (inner: unknown, depth: number) => {
    if (inner !== null && typeof inner === 'object') stack.push({ value: inner, depth });
  };
  push(value, 1);
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (item.depth > max) return true;
    const v = item.value;
    if (v instanceof Date || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue; // leaves (binary attachments)
    if (Array.isArray(v)) for (const inner of v) push(inner, item.depth + 1);
    else for (const key of Object.keys(v)) push((v as Record<string, unknown>)[key], item.depth + 1);
  }
  return false;
}

/**
 * The checks of a raw payload before it is validated (the socket wrapper calls it for every event):
 * validation_error when it nests deeper than MAX_PAYLOAD_DEPTH, payload_too_large when its JSON is
 * over `maxBytes`. The depth is checked first, as JSON.stringify itself recurses.
 */
export function checkPayload(payload: unknown, maxBytes: number): void {
  if (nestedTooDeep(payload)) throw tooDeep();
  if (Buffer.byteLength(JSON.stringify(payload ?? null) ?? '') > maxBytes) throw new AppError('payload_too_large');
}

/** The path of the first string containing U+0000 in a validated value, if any. */
function nulPath(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || value instanceof Date) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = nulPath(inner, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** Any thrown value as an AppError; anything unknown becomes `internal` with no detail. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; name?: string } | undefined;
  // errors raised by express.json() before our code runs
  if (e?.type === 'entity.too.large') return new AppError('payload_too_large');
  if (e?.type === 'entity.parse.failed') return new AppError('validation_error', 'The body is not valid JSON');
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported') return new AppError('validation_error', 'Unsupported body encoding');
  if (err instanceof URIError && clientStatus(err) === 400) return new AppError('validation_error', 'The path is not valid percent-encoding');
  // any other malformed request refused by Express, its router or a body parser (they carry a 4xx status)
  const status = clientStatus(err);
  if (status === 413) return new AppError('payload_too_large');
  if (status !== undefined) return new AppError('validation_error');
  if (isDatabaseUnavailable(err)) return new AppError('unavailable', 'The database is unavailable');
  // the database refused a value it cannot hold (SQLSTATE class 22, e.g. a date before year 1): the request's fault
  const sqlState = (err as { original?: { code?: unknown } } | undefined)?.original?.code;
  if (e?.name === 'SequelizeDatabaseError' && typeof sqlState === 'string' && sqlState.startsWith('22')) {
    return new AppError('validation_error', 'A value is outside what the server can store');
  }
  return new AppError('internal');
}

/**
 * The 4xx status of an error that says it is the client's fault (http-errors style: `status` or
 * `statusCode`, and not `expose: false`), such as body-parser's and the router's; else undefined.
 */
function clientStatus(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown };
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 499) return undefined;
  return e.expose === false ? undefined : status;
}

/** Sequelize's errors for a connection it could not get (refused, timed out, host unknown, pool exhausted). */
const CONNECTION_ERROR_NAMES = /^Sequelize(Connection\w*|HostNotFound|HostNotReachable|InvalidConnection|AccessDenied)Error$/;

/** SQLSTATEs of a lost or refused connection: class 08, a killed backend or shutdown (57P01-03), too many connections. */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;

/** Socket errnos of a lost or refused connection. */
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** Messages of node-postgres for a connection that went away, which carry no code. */
const UNAVAILABLE_MESSAGE = /^(Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|timeout expired|timeout exceeded when trying to connect|ConnectionManager\.getConnection was called after the connection manager was closed!)$/;

/**
 * Whether `err` (a Sequelize error, a node-postgres error, a socket error, or one wrapping them in
 * `original`, `parent` or `cause`) says the database connection was lost or refused.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const queue: unknown[] = [err];
  for (let i = 0; i < queue.length && i < 8; i += 1) {
    const e = queue[i] as { name?: unknown; code?: unknown; message?: unknown; original?: unknown; parent?: unknown; cause?: unknown } | null | undefined;
    if (e === null || typeof e !== 'object') continue;
    if (typeof e.name === 'string' && CONNECTION_ERROR_NAMES.test(e.name)) return true;
    if (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATE.test(e.code) || UNAVAILABLE_ERRNO.has(e.code))) return true;
    if (e.code === undefined && typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
    for (const inner of [e.original, e.parent, e.cause]) if (inner && !queue.includes(inner)) queue.push(inner);
  }
  return false;
}
