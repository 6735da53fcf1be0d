/** Structured JSON logs; secrets are redacted wherever they appear. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';

export type Logger = pino.Logger;

const REDACT = [
  'password',
  'token',
  'passwordHash',
  'jwtSecret',
  '*.password',
  '*.token',
  '*.passwordHash',
  '*.jwtSecret',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/** What a logged error keeps: never its SQL, bind values, wrapped driver errors, rows or request data. */
interface SerializedError {
  type: string;
  message: string;
  /** SQLSTATE (of the error or the driver error it wraps) or errno code such as ECONNRESET. */
  code?: string;
  stack?: string;
  cause?: SerializedError;
}

const MAX_MESSAGE = 2000;
const MAX_STACK = 8000;
const MAX_CAUSES = 3;

type ErrorLike = {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  stack?: unknown;
  cause?: unknown;
  original?: unknown;
  parent?: unknown;
};

/**
 * The one serializer of errors in the logs (installed for `err` and `error`, so every
 * `logger.error({ err })` goes through it). It keeps the type, message, code and stack and drops
 * everything else an error may carry: Sequelize's `sql`, `parameters`, `original`, `parent`,
 * `errors`, `fields`, `value`, `where`, node-postgres's `detail`, `where`, `table`..., and any
 * request body or headers a library attached.
 */
export function serializeError(value: unknown): unknown {
  return serialize(value, 0);
}

function serialize(value: unknown, causes: number): SerializedError | string | number | boolean | null | undefined {
  // pino-std-serializers' wrapped output keeps the original error as a non-enumerable `raw`
  const raw = value instanceof Error ? undefined : (value as { raw?: unknown } | null | undefined)?.raw;
  const err = (raw instanceof Error ? raw : value) as ErrorLike | null | undefined;
  if (err === null || err === undefined || typeof err === 'number' || typeof err === 'boolean') return err;
  if (typeof err !== 'object' && typeof err !== 'function') return clip(String(err), MAX_MESSAGE);
  const ctorName = (err as { constructor?: { name?: unknown } }).constructor?.name;
  const out: SerializedError = {
    type: typeof err.name === 'string' && err.name ? err.name : typeof ctorName === 'string' ? ctorName : 'Error',
    message: typeof err.message === 'string' ? clip(err.message, MAX_MESSAGE) : '',
  };
  const code = errorCode(err);
  if (code !== undefined) out.code = code;
  if (typeof err.stack === 'string') out.stack = clip(err.stack, MAX_STACK);
  if (err.cause !== undefined && err.cause !== err && causes < MAX_CAUSES) {
    const cause = serialize(err.cause, causes + 1);
    if (cause !== null && typeof cause === 'object') out.cause = cause;
  }
  return out;
}

/** The first string (or numeric) `code` of the error or of the driver errors it wraps. */
function errorCode(err: ErrorLike): string | undefined {
  const queue: unknown[] = [err];
  for (let i = 0; i < queue.length && i < 6; i += 1) {
    const e = queue[i] as ErrorLike | null | undefined;
    if (e === null || typeof e !== 'object') continue;
    if (typeof e.code === 'string' && e.code) return clip(e.code, 100);
    if (typeof e.code === 'number') return String(e.code);
    for (const inner of [e.original, e.parent]) if (inner && !queue.includes(inner)) queue.push(inner);
  }
  return undefined;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * A request in the logs: id, method, path and client address only. No headers (Authorization,
 * cookies), no query string, no body.
 */
function serializeRequest(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object') return { value: typeof value };
  // an Express request, or whatever else was logged under `req`
  const req = value as Partial<Pick<IncomingMessage, 'url' | 'method'>> & {
    id?: unknown;
    ip?: string;
    originalUrl?: unknown;
    socket?: { remoteAddress?: string };
  };
  const url = typeof req.originalUrl === 'string' ? req.originalUrl : req.url;
  return {
    id: req.id,
    method: req.method,
    url: typeof url === 'string' ? clip(url.split('?')[0] ?? '', 1000) : undefined,
    remoteAddress: req.ip ?? req.socket?.remoteAddress,
  };
}

/** A response in the logs: its status only (no headers). */
function serializeResponse(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object') return { value: typeof value };
  return { statusCode: (value as Partial<Pick<ServerResponse, 'statusCode'>>).statusCode };
}

/** The serializers of every logger: errors, requests and responses, whichever key they are logged under. */
export const LOG_SERIALIZERS = {
  err: serializeError,
  error: serializeError,
  req: serializeRequest,
  res: serializeResponse,
};

/** JSON lines to stdout (or to `destination`, which the tests read). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { app: 'todo-server' },
      serializers: LOG_SERIALIZERS,
    },
    destination,
  );
}
