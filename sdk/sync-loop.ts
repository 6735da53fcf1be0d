/**
 * The sync loop: runs `sync` (following `more`) on every connect, on `sync:needed`, on a seq gap and
 * when a live event names a list not held, feeding each page to the replica; live events that come
 * meanwhile are held and applied after it (those it covered are ignored by seq). It knows no socket:
 * its delegate sends the request and is told when the replica changed and when the loop is idle.
 */
import type { AckData, ServerEventMessage } from '../shared/events';
import type { Ack } from '../shared/types';
import type { Payload } from './queue';
import type { Replica } from './replica';

const SYNC_TIMEOUT_MS = 30_000;
const PERIODIC_SYNC_MS = 5 * 60_000;

export interface SyncDelegate {
  /** Connected (and not closed): a sync can be sent now. */
  canSync(): boolean;
  /** Sends one sync request; rejects when no answer comes in `timeoutMs`. */
  send(payload: Payload<'sync'>, timeoutMs: number): Promise<Ack<AckData<'sync'>>>;
  /** This client's user (the replica applies a member event about them differently). */
  userId(): string | undefined;
  /** The replica changed: bring the view up to date and tell the app. */
  commit(): void;
  /** In sync, with the held events applied: the queue may be sent. */
  idle(): void;
}

export class SyncLoop {
  /** 'idle' (live events applied as they come), 'running', or 'wanted' (on the next chance). */
  private state: 'idle' | 'running' | 'wanted' = 'wanted';
  private again = false;
  /** Which run is current: a run's answer is dropped once a disconnect or a reset starts another. */
  private run = 0;
  private failures = 0;
  private buffered: ServerEventMessage[] = [];
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  /** A sync every few minutes while idle and connected, in case something was missed unnoticed. */
  private readonly periodic: ReturnType<typeof setInterval>;

  constructor(
    private readonly replica: Replica,
    private readonly d: SyncDelegate,
  ) {
    this.periodic = setInterval(() => {
      if (this.d.canSync() && this.state === 'idle') this.request();
    }, PERIODIC_SYNC_MS);
    (this.periodic as { unref?: () => void }).unref?.();
  }

  get idle(): boolean {
    return this.state === 'idle';
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Idle, with no live event held. */
  get settled(): boolean {
    return this.state === 'idle' && this.buffered.length === 0;
  }

  /** Syncs now if connected (again after the current run if one is running), else on the next connect. */
  request(): void {
    if (this.state === 'running') {
      this.again = true;
      return;
    }
    this.state = 'wanted';
    if (!this.d.canSync()) return; // the next connect syncs
    clearTimeout(this.retryTimer);
    this.state = 'running';
    void this.loop(++this.run);
  }

  /** The socket was (re)connected, lost or dropped, or the replica reset: a running sync is void, held events too. */
  restart(): void {
    this.run++;
    this.state = 'wanted';
    this.buffered = [];
  }

  stop(): void {
    clearTimeout(this.retryTimer);
    clearInterval(this.periodic);
  }

  /** A live event (or an answer fed in as one): applied now, or held while a sync runs. */
  receive(ev: ServerEventMessage): void {
    if (this.state !== 'idle') this.buffered.push(ev);
    else this.apply(ev);
  }

  private apply(ev: ServerEventMessage): void {
    if (this.replica.applyLive(ev, this.d.userId()) === 'sync') this.request();
  }

  private async loop(run: number): Promise<void> {
    try {
      do {
        this.again = false;
        const sent = this.replica.cursorsSent();
        const tag = this.replica.listsTag; // the lists held are not sent again while this tag is current
        const payload = tag === undefined ? { cursors: sent } : { cursors: sent, listsTag: tag };
        const ack = await this.d.send(payload, SYNC_TIMEOUT_MS);
        if (run !== this.run) return; // disconnected or reset meanwhile
        if (!ack.ok) throw new Error(ack.error.code);
        // false: the lists held changed while the answer was on its way; it cannot say what they are now
        if (!this.replica.applySync(ack.data, sent, tag)) this.again = true;
        if (ack.data.more) this.again = true;
        this.d.commit();
      } while (this.again);
      this.state = 'idle';
      this.failures = 0;
      this.drain();
    } catch {
      if (run !== this.run) return;
      this.state = 'wanted';
      // rate_limited, unavailable, no answer: again soon (a lost socket syncs on its next connect)
      const ms = Math.min(500 * 2 ** this.failures++, 30_000);
      this.retryTimer = setTimeout(() => this.request(), ms);
    }
  }

  /** Live events held during a sync, applied after it (those it covered are ignored by seq). */
  private drain(): void {
    while (this.buffered.length > 0 && this.state === 'idle') this.apply(this.buffered.shift()!);
    this.d.commit();
    this.d.idle();
  }
}
