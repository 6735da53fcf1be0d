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
  const e = err as { type?: string; status?: number; name?: string } | undefined;
  // errors raised by express.json() before our code runs
  if (e?.type === 'entity.too.large') return new AppError('payload_too_large');
  if (e?.type === 'entity.parse.failed') return new AppError('validation_error', 'The body is not valid JSON');
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported') return new AppError('validation_error', 'Unsupported body encoding');
  // the database refused a value it cannot hold (SQLSTATE class 22, e.g. a date before year 1): the request's fault
  const sqlState = (err as { original?: { code?: unknown } } | undefined)?.original?.code;
  if (e?.name === 'SequelizeDatabaseError' && typeof sqlState === 'string' && sqlState.startsWith('22')) {
    return new AppError('validation_error', 'A value is outside what the server can store');
  }
  if (e?.name === 'SequelizeConnectionError' || e?.name === 'SequelizeConnectionRefusedError'
    || e?.name === 'SequelizeConnectionAcquireTimeoutError' || e?.name === 'SequelizeHostNotFoundError') {
    return new AppError('unavailable', 'The database is unavailable');
  }
  return new AppError('internal');
}
