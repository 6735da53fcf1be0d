/** Notifications gathered inside a transaction and sent once it has committed. */
import type { EventPayload, ServerEventName } from '../../shared/events';

export interface Note<E extends ServerEventName = ServerEventName> {
  event: E;
  payload: EventPayload<E>;
  /** Users whose sockets receive it. */
  to: string[];
  /** The list change this note belongs to: notes of one list go out in seq order. */
  listId?: string;
  seq?: number;
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

  add<E extends ServerEventName>(note: Note<E>): void {
    this.notes.push(note);
  }
}
