/** One error class and one serializer for HTTP bodies and socket acks: known messages only. */
import { ERROR_STATUS, type ApiError, type ErrorCode } from '../../shared/types';

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
  /** For `rate_limited` (or an `unavailable` that knows): whole seconds until a try may succeed (HTTP's `Retry-After`; 429: 1 when not known). */
  retryAfter?: number;

  constructor(
    readonly code: ErrorCode,
    message = DEFAULT_MESSAGES[code],
    readonly details?: unknown,
  ) {
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

/** `rate_limited`, saying how long to wait when that is known (`waitMs`: the window's or the bucket's time left). */
export function rateLimited(message: string, waitMs?: number): AppError {
  const err = new AppError('rate_limited', message);
  if (waitMs !== undefined && Number.isFinite(waitMs)) err.retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  return err;
}

/** Any thrown value as an AppError; anything unknown becomes `internal` with no detail. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; name?: string } | undefined;
  // errors raised by express.json() before our code runs
  if (e?.type === 'entity.too.large') return new AppError('payload_too_large');
  if (e?.type === 'entity.parse.failed') return new AppError('validation_error', 'The body is not valid JSON');
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported')
    return new AppError('validation_error', 'Unsupported body encoding');
  if (err instanceof URIError && clientStatus(err) === 400)
    return new AppError('validation_error', 'The path is not valid percent-encoding');
  // any other malformed request refused by Express, its router or a body parser (they carry a 4xx status)
  const status = clientStatus(err);
  if (status === 413) return new AppError('payload_too_large');
  if (status !== undefined) return new AppError('validation_error');
  if (isDatabaseUnavailable(err)) return new AppError('unavailable', 'The database is unavailable');
  const sqlState = (err as { original?: { code?: unknown } } | undefined)?.original?.code;
  // the database refused a value it cannot hold (SQLSTATE class 22, e.g. a date before year 1): the request's fault
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
const CONNECTION_ERROR_NAMES =
  /^Sequelize(Connection\w*|HostNotFound|HostNotReachable|InvalidConnection|AccessDenied)Error$/;

/**
 * SQLSTATEs of a lost or refused connection: class 08, a killed backend or shutdown (57P01-03), too
 * many connections; and of a database too slow to answer: a statement cancelled by statement_timeout
 * (57014), a transaction ended by idle_in_transaction_session_timeout (25P03).
 */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|57014|25P03|53300)$/;

/** Socket errnos of a lost or refused connection. */
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Messages of node-postgres for a connection that went away, which carry no code. */
const UNAVAILABLE_MESSAGE =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|timeout expired|timeout exceeded when trying to connect|Query read timeout|ConnectionManager\.getConnection was called after the connection manager was closed!)$/;

/**
 * Whether `err` (a Sequelize error, a node-postgres error, a socket error, or one wrapping them in
 * `original`, `parent` or `cause`) says the database connection was lost or refused.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const queue: unknown[] = [err];
  for (let i = 0; i < queue.length && i < 8; i += 1) {
    const e = queue[i] as
      | { name?: unknown; code?: unknown; message?: unknown; original?: unknown; parent?: unknown; cause?: unknown }
      | null
      | undefined;
    if (e === null || typeof e !== 'object') continue;
    if (typeof e.name === 'string' && CONNECTION_ERROR_NAMES.test(e.name)) return true;
    if (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATE.test(e.code) || UNAVAILABLE_ERRNO.has(e.code))) return true;
    if (e.code === undefined && typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
    for (const inner of [e.original, e.parent, e.cause]) if (inner && !queue.includes(inner)) queue.push(inner);
  }
  return false;
}
