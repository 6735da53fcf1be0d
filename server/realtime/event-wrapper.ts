/**
 * The one wrapper every socket event goes through: rate limits (the socket's and the user's), the
 * socket's unsent answers (pressure.ts), size, the token's version, validation, the service, and
 * exactly one ack, whose size is charged to the user's budget. Nothing a client sends can throw past it.
 */
import type Joi from 'joi';
import type { Socket } from 'socket.io';
import type { ClientEventName, ClientToServerEvents, ServerToClientEvents } from '../../shared/events';
import { LIMITS } from '../../shared/limits';
import { clientSchemas, type EventInput } from '../../shared/schemas';
import type { Ack } from '../../shared/types';
import type { AuthCtx as Ctx } from '../auth/auth.context';
import { AppError, toAppError } from '../core/errors';
import type { DomainEvents, EventFn, SocketConnection } from '../core/socket-domain';
import type { Metrics } from '../core/metrics';
import { answerCost, TokenBucket } from '../core/rates';
import { checkPayload, validate } from '../core/validate';
import type { Unsent } from './pressure';

/** Plain data only: other nodes may read it (fetchSockets). */
interface SocketData {
  userId: string;
  /** The token's version (logout-all bumps the user's). */
  ver: number;
  /** Token expiry, seconds since the epoch. */
  exp: number;
  /** The id of the token the socket runs on (log out revokes it). */
  tid: string;
}

export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

type AckFn = (answer: Ack<unknown>) => void;

/** The token's version is behind the user's: the socket is answered `unauthorized` and disconnected. */
const REVOKED = new AppError('unauthorized', 'The token was revoked');

/** What the wrapper keeps per socket. */
interface Client {
  socket: AppSocket;
  connection: SocketConnection;
  bucket: TokenBucket;
  /** The bytes written to the socket and not yet sent. */
  unsent: Unsent;
}

/**
 * The wrapper for one server: `attach(socket, connection, unsent)` gives a socket its one listener, which serves
 * every event the domains handle and answers any other event sent with an ack `not_found`; `idle()`
 * resolves once no event is being served (a stopping server waits for it before closing its pool).
 */
export function eventWrapper(
  events: DomainEvents,
  ctx: Ctx,
  metrics: Metrics,
): { attach: (socket: AppSocket, connection: SocketConnection, unsent: Unsent) => void; idle: () => Promise<void> } {
  /**
   * Rate limits, what the socket has not read yet, then the token's version: a socket whose user
   * logged out everywhere, or whose token was logged out, is answered, then dropped.
   */
  const admit = async ({ socket, bucket, unsent }: Client): Promise<void> => {
    if (!bucket.take()) throw new AppError('rate_limited');
    unsent.check(); // a client that does not read what it was sent is not served more
    await ctx.rates.spendEvent(socket.data.userId);
    if (!(await ctx.tokenVersions.valid(socket.data.userId, socket.data.ver))) throw REVOKED;
    if (!(await ctx.revocations.valid(socket.data.tid))) throw REVOKED;
  };

  /**
   * Sends the one ack; an answer that cannot be sent is logged and the socket closed (its client
   * resyncs). An ack over ANSWER_UNIT_BYTES (a sync page) costs the user the rest of its answerCost.
   */
  const answer = ({ socket, unsent }: Client, event: string, ack: AckFn, reply: Ack<unknown>, err?: unknown): void => {
    metrics.socketEvents.inc({ event, outcome: reply.ok ? 'ok' : reply.error.code });
    const before = unsent.written;
    try {
      ack(reply); // encoded and written at once: `written` grows by its bytes
    } catch (ackErr) {
      ctx.logger.error({ err: ackErr, event }, 'could not send an ack');
      socket.disconnect(true);
      return;
    }
    const rest = answerCost(unsent.written - before) - 1; // the event's first unit was spent by admit()
    if (rest > 0)
      ctx.rates
        .chargeEvent(socket.data.userId, rest)
        .catch((chargeErr: unknown) => ctx.logger.warn({ err: chargeErr }, 'could not charge an answer'));
    if (err === REVOKED) socket.disconnect(true);
  };

  const fail = (event: string, err: unknown): Ack<unknown> => {
    const appError = toAppError(err);
    if (appError.code === 'internal' || appError.code === 'unavailable')
      ctx.logger.error({ err, event }, 'socket event failed');
    return { ok: false, error: appError.toJSON() };
  };

  /** One event: its schema (the contract's), its function (the domain's), one ack. */
  const serve = async <E extends ClientEventName>(
    client: Client,
    event: E,
    run: EventFn<E>,
    args: unknown[],
  ): Promise<void> => {
    // any arguments may come: a hostile client need not follow the typed signature. The ack is the
    // last argument; the contract's payload is the one before it, if any
    const ack = args.pop();
    if (typeof ack !== 'function') return; // the contract: an event without an ack is dropped
    const end = metrics.socketEventDuration.startTimer({ event });
    let reply: Ack<unknown>;
    let error: unknown;
    try {
      await admit(client);
      if (args.length > 1) throw new AppError('validation_error', 'An event carries one payload and its ack');
      const payload = args[0];
      checkPayload(payload, LIMITS.payloadBytes);
      const input = validate(clientSchemas[event] as Joi.Schema<EventInput<E>>, payload);
      const { socket } = client;
      reply = {
        ok: true,
        data: await run({ userId: socket.data.userId, socketId: socket.id }, input, client.connection),
      };
    } catch (err) {
      reply = fail(event, (error = err));
    }
    end();
    answer(client, event, ack as AckFn, reply, error);
  };

  // an event the server does not know, sent with an ack, is answered rather than left to time out; it counts like any other
  const answerUnknown = async (client: Client, event: unknown, args: unknown[]): Promise<void> => {
    const ack = args[args.length - 1];
    if (typeof ack !== 'function') return;
    let reply: Ack<unknown>;
    let error: unknown;
    try {
      await admit(client);
      reply = fail('unknown', new AppError('not_found', `Unknown event "${String(event).slice(0, 50)}"`));
    } catch (err) {
      reply = fail('unknown', (error = err));
    }
    answer(client, 'unknown', ack as AckFn, reply, error);
  };

  const known = (event: unknown): event is ClientEventName => typeof event === 'string' && Object.hasOwn(events, event);

  const running = new Set<Promise<void>>();
  const attach = (socket: AppSocket, connection: SocketConnection, unsent: Unsent): void => {
    const client: Client = { socket, connection, bucket: new TokenBucket(ctx.config.socketEventsPerSecond), unsent };
    // one listener a socket; each path answers its own failures
    socket.onAny((event: unknown, ...args: unknown[]) => {
      const served = known(event)
        ? serve(client, event, events[event] as EventFn<typeof event>, args)
        : answerUnknown(client, event, args);
      running.add(served);
      void served.finally(() => running.delete(served));
    });
  };
  const idle = async (): Promise<void> => {
    while (running.size) await Promise.allSettled([...running]);
  };
  return { attach, idle };
}
