/** The one wrapper every socket event goes through: rate limit, size, validation, service, one ack. */
import type Joi from 'joi';
import type { Socket } from 'socket.io';
import type { AckData, ClientEventName, ClientToServerEvents, ServerToClientEvents } from '../../shared/events';
import { LIMITS } from '../../shared/limits';
import type { Ack } from '../../shared/types';
import type { Actor } from '../context';
import { AppError, toAppError, validate } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../http/metrics';

export interface SocketData {
  userId: string;
  /** Token expiry, seconds since the epoch. */
  exp: number;
  bucket: TokenBucket;
  expiryTimer?: NodeJS.Timeout;
}

export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface Handler<E extends ClientEventName> {
  schema: Joi.Schema;
  run(actor: Actor, input: any, socket: AppSocket): Promise<AckData<E>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export type HandlerMap = { [E in ClientEventName]?: Handler<E> };

/** About `rate` events a second, bursts up to `burst`. */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(private readonly rate: number, private readonly burst = 2 * rate) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export function register(socket: AppSocket, handlers: HandlerMap, logger: Logger, metrics: Metrics): void {
  for (const [event, handler] of Object.entries(handlers) as Array<[ClientEventName, Handler<ClientEventName>]>) {
    socket.on(event, async (payload: unknown, ack: unknown) => {
      if (typeof payload === 'function' && ack === undefined) [payload, ack] = [undefined, payload]; // emit(event, ack): no payload
      if (typeof ack !== 'function') return; // the contract: an event without an ack is dropped
      const end = metrics.socketEventDuration.startTimer({ event });
      let answer: Ack<unknown>;
      try {
        if (!socket.data.bucket.take()) throw new AppError('rate_limited');
        if (Buffer.byteLength(JSON.stringify(payload ?? null)) > LIMITS.payloadBytes) throw new AppError('payload_too_large');
        const input = validate(handler.schema, payload);
        answer = { ok: true, data: await handler.run({ userId: socket.data.userId, socketId: socket.id }, input, socket) };
      } catch (err) {
        const appError = toAppError(err);
        if (appError.code === 'internal' || appError.code === 'unavailable') logger.error({ err, event }, 'socket event failed');
        answer = { ok: false, error: appError.toJSON() };
      }
      metrics.socketEvents.inc({ event, outcome: answer.ok ? 'ok' : answer.error.code });
      end();
      ack(answer);
    });
  }
  // an event the server does not know, sent with an ack, is answered rather than left to time out
  socket.onAny((event: string, ...args: unknown[]) => {
    const ack = args[args.length - 1];
    if (Object.hasOwn(handlers, event) || typeof ack !== 'function') return;
    metrics.socketEvents.inc({ event: 'unknown', outcome: 'not_found' });
    ack({ ok: false, error: new AppError('not_found', `Unknown event "${String(event).slice(0, 50)}"`).toJSON() });
  });
}
