/**
 * What a transaction says once it has committed: notes to the users' sockets, and effects on this
 * server's state (a socket joins or leaves a list's room). Both run on every committed path, the
 * recovered lost-COMMIT answer included (changes/mutate.ts), and never on a rollback.
 */
import type { EventPayload, ServerEventName } from '../../shared/events';

export interface Note<E extends ServerEventName = ServerEventName> {
  event: E;
  payload: EventPayload<E>;
  /** Users whose sockets receive it. */
  to: string[];
  /** The list change this note belongs to: notes of one list go out in seq order. */
  listId?: string;
  seq?: number;
  /** Sent to the socket whose event caused it too (its ack does not carry it). */
  toSender?: boolean;
}

/** A list's change number in flight: released once its notes were sent (or it rolled back). */
export interface Turn {
  done: Promise<void>;
  release: () => void;
}

export class Outbox {
  readonly notes: Note[] = [];
  /** The turn of every `${listId}:${seq}` this transaction took (see order.ts). */
  readonly turns: Array<{ key: string; turn: Turn }> = [];
  /** Run once committed, before the notes are sent. */
  readonly effects: Array<() => void> = [];

  add<E extends ServerEventName>(note: Note<E>): void {
    this.notes.push(note);
  }

  /** Runs `effect` once the transaction has committed (an effect that throws is logged). */
  after(effect: () => void): void {
    this.effects.push(effect);
  }
}
