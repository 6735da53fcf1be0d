/**
 * MAX_SOCKETS_PER_USER over every node (the workers of a WEB_CONCURRENCY group, or processes sharing a
 * database or a Redis), exact under concurrent handshakes.
 *
 * A handshake first takes a place here (a reservation, held until its connection closes), then asks
 * every other node how many places the user holds there, and is refused when the total is over the
 * bound. Alone, that could refuse every one of a burst spread over two nodes (each sees the other's
 * reservations); so the reservations are ordered, by a logical clock (Lamport's: a node that hears of
 * a reservation stamps its own later ones after it) and the node's id, and a node counts another's
 * pending reservation only if it comes first, connected sockets always. Then:
 *
 * - never over the bound: of any two reservations held at once, the later one counted the earlier
 *   (if it was made before the question came, it was there; if after, it was stamped later);
 * - the earliest reservations of a burst connect, up to the bound; the others get too_many_connections.
 *
 * A node that does not answer within COUNT_WAIT_MS (it may have just died) is left out, rather than
 * keeping the user from connecting.
 */
import crypto from 'node:crypto';
import type { AuthCtx as Ctx } from '../auth/auth.context';
import type { IoServer, SocketCountQuery } from '../changes/notifier';

const COUNT_WAIT_MS = 2_000;

/** A place taken by a handshake; `connected` once it succeeded. */
interface Place {
  stamp: number;
  connected: boolean;
}

export interface Reservation {
  /** Whether the user has room: false when this handshake must be refused (the place is given back). */
  admitted: boolean;
  /** The handshake succeeded: the place now counts for every later question. */
  connected: () => void;
  /** Gives the place back (when the connection closes); idempotent. */
  release: () => void;
}

export class SocketBound {
  private readonly node = crypto.randomUUID();
  private clock = 0;
  private readonly users = new Map<string, Set<Place>>();
  private readonly waiting = new Map<string, (count: number) => void>();

  constructor(
    private readonly io: IoServer,
    private readonly ctx: Ctx,
  ) {
    if (ctx.config.socketAdapter === 'none') return;
    // another node asks: the user's places here that come before its reservation, and every connected one
    io.on('todo:sockets', (query) => {
      this.clock = Math.max(this.clock, query.stamp);
      io.serverSideEmit('todo:sockets-held', { id: query.id, to: query.from, count: this.count(query) });
    });
    io.on('todo:sockets-held', (reply) => {
      if (reply.to === this.node) this.waiting.get(reply.id)?.(reply.count);
    });
  }

  /** Takes a place for a handshake of `userId`, and says whether it may connect. */
  async reserve(userId: string): Promise<Reservation> {
    const bound = this.ctx.config.maxSocketsPerUser;
    const places = this.users.get(userId) ?? new Set<Place>();
    this.users.set(userId, places);
    const place: Place = { stamp: (this.clock = Math.max(this.clock + 1, Date.now())), connected: false };
    const release = () => {
      places.delete(place);
      if (!places.size && this.users.get(userId) === places) this.users.delete(userId);
    };
    const reservation: Reservation = { admitted: false, connected: () => (place.connected = true), release };
    if (places.size >= bound) {
      release(); // this node alone is full: refused without asking
      return reservation;
    }
    places.add(place);
    try {
      const query: SocketCountQuery = { id: crypto.randomUUID(), from: this.node, userId, stamp: place.stamp };
      const elsewhere = await this.askOthers(query);
      reservation.admitted = this.count(query, place) + elsewhere < bound;
    } catch (err) {
      release();
      throw err;
    }
    if (!reservation.admitted) release();
    return reservation;
  }

  /**
   * The user's places here that the reservation of `query` must count (but `own`): the connected ones,
   * and those before it, by stamp and then node id.
   */
  private count(query: SocketCountQuery, own?: Place): number {
    let n = 0;
    for (const p of this.users.get(query.userId) ?? [])
      if (p !== own && (p.connected || p.stamp < query.stamp || (p.stamp === query.stamp && this.node < query.from)))
        n += 1;
    return n;
  }

  /** The sum of the other nodes' answers; those that did not answer within COUNT_WAIT_MS are left out. */
  private async askOthers(query: SocketCountQuery): Promise<number> {
    if (this.ctx.config.socketAdapter === 'none') return 0;
    const others = (await this.io.of('/').adapter.serverCount()) - 1;
    if (others <= 0) return 0;
    return new Promise((resolve) => {
      let sum = 0;
      let answers = 0;
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(query.id);
        resolve(sum);
      };
      const timer = setTimeout(() => {
        this.ctx.logger.warn({ others, answers }, 'a node did not tell its sockets in time: left out of the count');
        done();
      }, COUNT_WAIT_MS);
      this.waiting.set(query.id, (count) => {
        sum += count;
        answers += 1;
        if (answers >= others) done();
      });
      this.io.serverSideEmit('todo:sockets', query);
    });
  }
}
