/** Small helpers of the tests: ids, ack codes, ranges, the contract's keys and order, handshakes, disconnects. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Ack, Task } from '../../shared/types';
import { connect, type ClientSocket, type ConnectOptions, type Reachable } from './server';

/** A random UUID (v4). */
export const uuid = (): string => crypto.randomUUID();

/** An ack's outcome: 'ok' or its error code. */
export const codeOf = (ack: Ack<unknown>): string => (ack.ok ? 'ok' : ack.error.code);

/** from..to, both included. */
export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Keys of a task object, as the contract lists them. */
export const TASK_KEYS = [
  'id',
  'listId',
  'title',
  'notes',
  'completed',
  'completedAt',
  'dueAt',
  'priority',
  'position',
  'version',
  'seq',
  'createdBy',
  'updatedBy',
  'createdAt',
  'updatedAt',
  'assigneeId',
];
/** Keys of a list object, as the contract lists them. */
export const LIST_KEYS = ['id', 'name', 'ownerId', 'role', 'seq', 'createdAt', 'updatedAt'];

/** Tasks sorted as the contract says a list is: (position, createdAt, id), by code point. */
export function contractOrder(tasks: Task[]): Task[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...tasks].sort((a, b) => cmp(a.position, b.position) || cmp(a.createdAt, b.createdAt) || cmp(a.id, b.id));
}

/** 'connected' if a handshake with `token` (or these options) succeeds (the socket is closed again), else the connect_error message. */
export async function handshake(server: Reachable, token: string | ConnectOptions): Promise<string> {
  try {
    (await connect(server, token)).close();
    return 'connected';
  } catch (err) {
    return (err as Error).message;
  }
}

/** Resolves with the socket's disconnect reason, or rejects after `timeoutMs`. */
export function disconnected(socket: ClientSocket, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    if (socket.disconnected) {
      resolve('already disconnected');
      return;
    }
    const timer = setTimeout(() => {
      socket.off('disconnect', on);
      reject(new Error(`no disconnect within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (reason: string) => {
      clearTimeout(timer);
      resolve(reason);
    };
    socket.once('disconnect', on);
  });
}

/** The worker processes of a WEB_CONCURRENCY primary: its children that run the server (Linux: /proc). */
export function workersOf(pid: number): number[] {
  return fs
    .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((child) => {
      try {
        return fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('server/index.ts');
      } catch {
        return false; // gone meanwhile
      }
    });
}
