/**
 * What a domain hands the socket transport: one typed function per client event. The wrapper in
 * realtime/ checks rates, size and the token, validates the payload with the event's schema
 * (shared/schemas.ts `clientSchemas`), calls the event's function and sends its one ack.
 */
import type { AckData, ClientEventName } from '../../shared/events';
import type { EventInput } from '../../shared/schemas';
import type { Actor } from './actor';

/** What an event's function may do to the socket that sent the event, beyond answering it. */
export interface SocketConnection {
  /** The token's expiry, seconds since the epoch. */
  readonly exp: number;
  /** A newer token of the same user (`tokenId`) moves the socket's expiry; the socket runs on it from then on. */
  extend(exp: number, tokenId: string): void;
  /**
   * Throws `rate_limited` while the client has not read what it was sent (over SOCKET_UNSENT_BYTES),
   * or once the socket is closed: an expensive read calls it when its turn comes, so that it is not
   * made for nobody.
   */
  checkReading(): void;
}

/** The function that serves one client event: it resolves to the data of the event's ack. */
export type EventFn<E extends ClientEventName> = (
  actor: Actor,
  input: EventInput<E>,
  connection: SocketConnection,
) => Promise<AckData<E>>;

/** A domain's client events, each with the function that serves it. */
export type DomainEvents = { [E in ClientEventName]?: EventFn<E> };

/**
 * What a domain's socket hooks may do with one socket: who it is, and which rooms it is in. Not the
 * Socket.IO socket (core knows no transport): realtime/connection.ts builds it. After the socket's
 * disconnect, join() does nothing (a hook still running then cannot leave the socket in a room).
 */
export interface DomainSocket {
  /** The Socket.IO socket id (an actor's `socketId`). */
  readonly id: string;
  readonly userId: string;
  join(room: string): void;
  leave(room: string): void;
}

/**
 * What a domain hands the socket transport: its events, and optionally what it does when a socket
 * of a user connects (after the handshake, once the socket is in its user room) and disconnects; per-
 * socket state lives there. A hook that throws or rejects is logged; the socket is served regardless.
 * `disconnected` may come while `connected` still runs (a socket that goes at once).
 */
export interface SocketDomain {
  events: DomainEvents;
  connected?(socket: DomainSocket): void | Promise<void>;
  disconnected?(socket: DomainSocket): void;
}
