/** Words and dates shown to the user. */
import type { ClientError } from '../sdk';

export const PRIORITIES = ['None', 'Low', 'Medium', 'High'] as const;

/** A due date is a calendar day, kept as that day's midnight UTC (so every device shows the same day). */
export function dueToInput(dueAt: string | null): string {
  return dueAt ? dueAt.slice(0, 10) : '';
}

export function inputToDue(value: string): string | null {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : null;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const yearFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});

/** "Dec 3" (this year) or "Dec 3, 2027", and whether that day is past (in the user's own calendar). */
export function dueLabel(dueAt: string, now = new Date()): { text: string; overdue: boolean } {
  const due = new Date(dueAt);
  const today = `${String(now.getFullYear())}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  const text = (due.getUTCFullYear() === now.getFullYear() ? dayFormat : yearFormat).format(due);
  return { text, overdue: dueAt.slice(0, 10) < today };
}

/** What a refused change means for the user: the change was undone, and why. */
export function errorMessage(e: ClientError): string {
  const what = e.task ? `“${e.task.title}”` : 'that item';
  switch (e.code) {
    case 'conflict':
      return `${capital(what)} was changed on another device at the same time. Your change was not saved; the latest version is shown.`;
    case 'forbidden':
      return 'You may not change this list (you can only view it). Your change was undone.';
    case 'not_found':
      return 'That list or task no longer exists, or you are no longer a member of the list. Your change was undone.';
    case 'limit_exceeded':
      return `Limit reached: ${e.message} Your change was undone.`;
    case 'rate_limited':
      return 'Too many changes at once: the server refused some. Wait a moment and try again.';
    case 'validation_error':
      return `The server refused the change: ${e.message}`;
    case 'offline':
      return 'You are offline: this needs a connection to the server.';
    case 'unavailable':
      return 'The server is unavailable right now. Try again in a moment.';
    default:
      return e.message || `The change failed (${e.code}).`;
  }
}

/** Login and registration failures. */
export function authErrorMessage(e: unknown): string {
  const code = isClientError(e) ? e.code : '';
  switch (code) {
    case 'invalid_credentials':
      return 'Wrong email or password.';
    case 'email_taken':
      return 'An account with this email exists already: log in instead.';
    case 'rate_limited':
      return 'Too many attempts. Wait a few minutes, then try again.';
    case 'validation_error':
      return isClientError(e) ? e.message : 'Check the fields.';
    case 'offline':
    case 'unavailable':
      return 'Cannot reach the server. Check your connection and try again.';
    default:
      return isClientError(e) && e.message ? e.message : e instanceof Error ? e.message : 'Something went wrong.';
  }
}

export function isClientError(e: unknown): e is ClientError {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string';
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A random UUID (v4); crypto.randomUUID exists only in secure contexts, and the app may be served over plain HTTP. */
export function newId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
