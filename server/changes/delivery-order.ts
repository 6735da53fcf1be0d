/**
 * The order in which this node sends one list's changes: by seq. Changes of one list commit in seq
 * order (the list's row is locked while a seq is taken), but what runs after each commit may race, so
 * a transaction reserves a turn for its seq before it commits, and the note of the next seq waits for
 * that turn (the notes of lower seqs made here went out first). A seq taken on another node leaves no
 * turn here and is never waited for. Every wait is bounded: one stuck sender never holds a list for long.
 */
import { withTimeout } from '../core/timeout';
import type { Outbox, Turn } from './outbox';

const TURN_WAIT_MS = 2_000;

const keyOf = (listId: string, seq: number) => `${listId}:${seq}`;

export class DeliveryOrder {
  private readonly turns = new Map<string, Turn>(); // reserved by transactions, released once sent

  /** Called inside the transaction right after it took `seq` of `listId`. */
  reserve(outbox: Outbox, listId: string, seq: number): void {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const turn = { done, release };
    this.turns.set(keyOf(listId, seq), turn);
    outbox.turns.push({ key: keyOf(listId, seq), turn });
  }

  /** After a rollback, or once sent: releases the outbox's own turns. */
  cancel(outbox: Outbox): void {
    for (const { key, turn } of outbox.turns) {
      turn.release();
      // a rolled-back seq is taken again by the next transaction: the key may hold its turn by now
      if (this.turns.get(key) === turn) this.turns.delete(key);
    }
  }

  /** Resolves when `seq` of the list may be sent: once the note of `seq - 1` made here was sent. */
  async before(listId: string, seq: number): Promise<void> {
    const turn = this.turns.get(keyOf(listId, seq - 1));
    if (turn) await withTimeout(turn.done, TURN_WAIT_MS, undefined);
  }

  /** `seq` of the list was sent: the note of `seq + 1` may follow. */
  wasSent(listId: string, seq: number, outbox: Outbox): void {
    const key = keyOf(listId, seq);
    const own = outbox.turns.find((held) => held.key === key)?.turn;
    own?.release();
  }
}
