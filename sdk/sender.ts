/**
 * Sends the queue: one mutation at a time, in order (the server serves a socket's events concurrently,
 * so two in flight could be applied in either order), each stored before it is sent, while connected
 * and in sync. A lost answer sends it again with the same mutationId; rate_limited, unavailable and a
 * few `internal`s back off and retry; any other refusal is final.
 */
import type { Ack, ApiError } from '../shared/types';
import type { Mutation, Queue } from './queue';

export interface SenderDelegate {
  /** Connected, in sync, with a session whose token is good, and not closed. */
  canSend(): boolean;
  connected(): boolean;
  /** Resolves once the queue as it is now is stored. */
  stored(): Promise<void>;
  /** Sends `m`; rejects when no ack comes. */
  send(m: Mutation): Promise<Ack<unknown>>;
  acked(m: Mutation, data: unknown): void;
  refused(m: Mutation, error: ApiError): void;
}

export class Sender {
  private pumping = false;
  private backoffTimer: ReturnType<typeof setTimeout> | undefined;
  private backoffMs = 200;

  constructor(
    private readonly queue: Queue,
    private readonly d: SenderDelegate,
  ) {}

  /** Sends the queue, one mutation at a time, in order, while connected and in sync. */
  async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.d.canSend() && this.backoffTimer === undefined && this.queue.length > 0) {
        const m = this.queue.head()!;
        await this.d.stored(); // persisted before it is sent
        if (this.queue.head() !== m || !this.d.connected()) continue;
        let ack: Ack<unknown>;
        try {
          ack = await this.d.send(m);
        } catch {
          continue; // no ack: sent again, same mutationId, now (timeout) or once connected
        }
        if (this.queue.head() !== m) continue; // logged out meanwhile
        this.answered(m, ack);
      }
    } finally {
      this.pumping = false;
    }
  }

  stop(): void {
    clearTimeout(this.backoffTimer);
  }

  private backoff(ms: number): void {
    clearTimeout(this.backoffTimer);
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      void this.pump();
    }, ms);
  }

  private answered(m: Mutation, ack: Ack<unknown>): void {
    if (ack.ok) {
      this.backoffMs = 200;
      this.d.acked(m, ack.data);
      return;
    }
    const { code } = ack.error;
    if (code === 'rate_limited' || code === 'unavailable' || (code === 'internal' && (m.failures ?? 0) < 4)) {
      if (code === 'internal') m.failures = (m.failures ?? 0) + 1;
      this.backoff(this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
      return;
    }
    if (code === 'unauthorized') {
      this.backoff(1000); // the server drops the socket; the handshake then tells the app
      return;
    }
    this.d.refused(m, ack.error); // rolled back (the replay no longer holds it) and reported
  }
}
