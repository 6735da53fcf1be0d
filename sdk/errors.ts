/** The SDK's errors, and the small helpers every part uses. */
import type { ApiError, Task } from '../shared/types';
import type { ClientError } from './types';

/** A ClientError that is also an Error (so rejections carry a stack and pass lint rules). */
export class TodoClientError extends Error implements ClientError {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly task?: Task,
    readonly event?: string,
  ) {
    super(message);
    this.name = 'TodoClientError';
  }
}

export const offlineError = (event?: string): TodoClientError =>
  new TodoClientError('offline', 'Not connected to the server', undefined, undefined, event);

export function apiError(err: ApiError, event?: string): TodoClientError {
  const task = err.code === 'conflict' ? (err.details as { task?: Task } | undefined)?.task : undefined;
  return new TodoClientError(err.code, err.message, err.details, task, event);
}

export const noop = (): void => undefined;

/** A rejected promise that no one needs to handle (the app may ignore it). */
export function refused<T>(err: TodoClientError): Promise<T> {
  const p = Promise.reject(err);
  p.catch(noop);
  return p;
}

interface WebCrypto {
  randomUUID?: () => string;
  getRandomValues?: (bytes: Uint8Array) => Uint8Array;
}

/** A v4 UUID: crypto.randomUUID, or (outside a secure context, e.g. a page over http on a LAN) one made of getRandomValues. */
export function uuid(): string {
  const c = (globalThis as { crypto?: WebCrypto }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  if (!c?.getRandomValues) throw new Error('globalThis.crypto is not available');
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

let lastAt = 0;
/** When a mutation is made: increasing, as the server's createdAt of a list's tasks is (so local ties keep their order). */
export const now = (): string => {
  lastAt = Math.max(Date.now(), lastAt + 1);
  return new Date(lastAt).toISOString();
};
