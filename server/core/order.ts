/**
 * The order in which this node sends one list's changes: by seq. Changes of one list commit in seq
 * order (the list row is locked while a seq is taken), but what runs after each commit may race:
 * - a transaction reserves its seq before it commits (a turn); the next seq waits for that turn;
 * - a change made by one autocommit statement (the task functions) learns its seq once committed.
 *   Notes already here with a lower seq of the same list go first. A lower seq that is missing was
 *   committed before this one, so if it is this node's, its statement was sent before this one's
 *   answer came: a note after a gap waits until every statement that was on its way when it came has
 *   answered (or failed), then goes (a gap left by another node's change is never filled here).
 * Every wait is bounded: one stuck sender never holds a list for long.
 */
import type { Outbox, Turn } from './outbox';
import { withTimeout } from './timeout';

const TURN_WAIT_MS = 2_000;
const ANY = '*'; // the arrivals key told of every autocommit answer, whatever its list
const SENT_MEMORY = 10_000; // lists whose last sent seq is remembered (then forgotten all at once)

const keyOf = (listId: string, seq: number) => `${listId}:${seq}`;

export class ListOrder {
  private readonly turns = new Map<string, Turn>(); // reserved by transactions, released once sent
  private readonly sent = new Map<string, number>(); // the last seq of each list sent here
  private readonly here = new Map<string, Set<number>>(); // seqs whose notes are here, not sent yet
  private readonly waiting = new Map<string, Array<() => void>>(); // told once that seq is sent
  private readonly arrivals = new Map<string, Array<() => void>>(); // told when a note of the list (or ANY) arrives
  private readonly unanswered = new Set<() => void>(); // autocommit statements sent, their answer not here yet

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

  /**
   * An autocommit statement is on its way. The function returned is its token: pass it to `arrived`
   * with its notes, and call it once they were sent, or when the statement failed.
   */
  expect(): () => void {
    const landed = () => this.answered(landed);
    this.unanswered.add(landed);
    return landed;
  }

  /** The notes of an outbox have arrived, before any is sent (`statement`: the token from `expect()`). */
  arrived(outbox: Outbox, statement?: () => void): void {
    for (const { listId, seq } of outbox.notes) {
      if (!listId || !seq) continue;
      this.here.set(listId, (this.here.get(listId) ?? new Set()).add(seq));
      this.tell(this.arrivals, listId);
    }
    if (statement) this.answered(statement);
  }

  /** Resolves when `seq` of the list may be sent. */
  async before(listId: string, seq: number): Promise<void> {
    const turn = this.turns.get(keyOf(listId, seq - 1));
    if (turn) {
      await withTimeout(turn.done, TURN_WAIT_MS, undefined);
      return;
    }
    const deadline = Date.now() + TURN_WAIT_MS;
    const inFlight = new Set(this.unanswered); // a missing lower seq of this node's is among these
    for (;;) {
      const earlier = this.earliest(listId, seq);
      if (earlier !== undefined) {
        const went = await this.until([[this.waiting, keyOf(listId, earlier)]], TURN_WAIT_MS);
        if (!went) this.here.get(listId)?.delete(earlier); // stuck: not waited for again
        continue;
      }
      for (const statement of inFlight) if (!this.unanswered.has(statement)) inFlight.delete(statement);
      const last = this.sent.get(listId);
      const left = deadline - Date.now();
      if (seq <= 1 || inFlight.size === 0 || left <= 0 || (last !== undefined && last >= seq - 1)) return;
      // a gap while statements are on their way: wait for seq - 1 to be sent, or for an answer
      await this.until(
        [
          [this.waiting, keyOf(listId, seq - 1)],
          [this.arrivals, ANY],
        ],
        left,
      );
    }
  }

  /** `seq` of the list was sent: the notes waiting for it may follow. */
  wasSent(listId: string, seq: number): void {
    const here = this.here.get(listId);
    here?.delete(seq);
    if (here?.size === 0) this.here.delete(listId);
    if (this.sent.size >= SENT_MEMORY) this.sent.clear();
    if ((this.sent.get(listId) ?? 0) < seq) this.sent.set(listId, seq);
    this.tell(this.waiting, keyOf(listId, seq));
  }

  /** An autocommit statement answered (its notes are here) or failed. */
  private answered(statement: () => void): void {
    if (this.unanswered.delete(statement)) this.tell(this.arrivals, ANY);
  }

  private tell(map: Map<string, Array<() => void>>, key: string): void {
    const told = map.get(key);
    map.delete(key);
    for (const resolve of told ?? []) resolve();
  }

  private earliest(listId: string, seq: number): number | undefined {
    let min: number | undefined;
    for (const s of this.here.get(listId) ?? []) if (s < seq && (min === undefined || s < min)) min = s;
    return min;
  }

  /**
   * True once any of the (map, key) pairs is told, false after `ms`; either way nothing is left
   * behind in the maps (a gap another node left is never filled here).
   */
  private async until(on: Array<[Map<string, Array<() => void>>, string]>, ms: number): Promise<boolean> {
    let tell!: () => void;
    const told = new Promise<void>((resolve) => (tell = resolve));
    for (const [map, key] of on) map.set(key, [...(map.get(key) ?? []), tell]);
    const came = await withTimeout(
      told.then(() => true),
      ms,
      false,
    );
    for (const [map, key] of on) {
      const rest = (map.get(key) ?? []).filter((r) => r !== tell);
      if (rest.length > 0) map.set(key, rest);
      else map.delete(key);
    }
    return came;
  }
}
