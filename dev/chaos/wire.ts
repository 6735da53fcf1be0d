/**
 * Small helpers every phase of the chaos run shares: one-off sockets (setup, a fresh read) and their
 * acks, retries of setup steps, random picks, counting by key.
 */
import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { AckData, ClientEventName, ClientToServerEvents, ServerToClientEvents } from '../../shared/events';
import type { Ack } from '../../shared/types';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type Payload<E extends ClientEventName> = Parameters<ClientToServerEvents[E]>[0];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)];
export const short = () => randomUUID().slice(0, 8);
export const bump = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};
export const addCounters = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) bump(into, k, v);
};

/** One socket used once (setup, a fresh read), not a device. */
export function plainSocket(url: string, token: string): Promise<ClientSocket> {
  return new Promise((resolve, reject) => {
    const s: ClientSocket = io(url, {
      auth: { token },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    s.once('connect', () => resolve(s));
    s.once('connect_error', (err) => {
      s.close();
      reject(err);
    });
  });
}

export async function ask<E extends ClientEventName>(
  s: ClientSocket,
  event: E,
  payload: Payload<E>,
): Promise<AckData<E>> {
  const ack = (await (s.timeout(15_000).emitWithAck as (e: string, p: unknown) => Promise<unknown>)(
    event,
    payload,
  )) as Ack<AckData<E>>;
  if (!ack.ok) throw new Error(`${event}: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

/** Retries `fn` (a setup step that may meet a node still starting) a few times. */
export async function retry<T>(fn: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= tries) throw err;
      await sleep(300 * i);
    }
  }
}
