/**
 * Is a socket's token still good, token by token? Log out revokes one token (a row of revoked_tokens,
 * kept until the token would have expired anyway). Socket events re-check it as token-versions.ts
 * re-checks token versions: the answer is cached per token for `ttlMs`, and a log out on any node marks
 * the token on every node at once, so the database is asked at most once per token per `ttlMs`, and a
 * node that missed the news still finds out within `ttlMs`. HTTP requests and handshakes read the row with the
 * user's (auth.service.ts), in the same query.
 */
import { QueryTypes, type Sequelize } from 'sequelize';

interface Entry {
  revoked: boolean;
  at: number;
}

const SWEEP_AT = 10_000;

export class Revocations {
  private readonly known = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<boolean>>();

  constructor(
    private readonly sequelize: Sequelize,
    private readonly ttlMs: number,
  ) {}

  /** True while the token was not revoked. */
  async valid(tokenId: string): Promise<boolean> {
    const entry = this.known.get(tokenId);
    if (entry && Date.now() - entry.at < this.ttlMs) return !entry.revoked;
    return !(await this.load(tokenId));
  }

  /**
   * What a read just now found (a handshake, a request), or a log out on any node (`revoked` true).
   * Revoked only grows: a read that started before a log out cannot undo it.
   */
  seen(tokenId: string, revoked: boolean): void {
    if (this.known.size >= SWEEP_AT) this.sweep();
    const entry = this.known.get(tokenId);
    const fresh = entry && Date.now() - entry.at < this.ttlMs;
    this.known.set(tokenId, { revoked: revoked || Boolean(fresh && entry.revoked), at: Date.now() });
  }

  private load(tokenId: string): Promise<boolean> {
    let loading = this.pending.get(tokenId);
    if (!loading) {
      // concurrent events of one socket (or of sockets sharing a token) share one query
      loading = this.sequelize
        .query<{ revoked: boolean }>('SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE token_id = $1) AS revoked', {
          bind: [tokenId],
          type: QueryTypes.SELECT,
        })
        .then(([row]) => {
          this.seen(tokenId, row.revoked);
          return this.known.get(tokenId)?.revoked ?? row.revoked;
        })
        .finally(() => this.pending.delete(tokenId));
      this.pending.set(tokenId, loading);
    }
    return loading;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [tokenId, entry] of this.known) if (now - entry.at >= this.ttlMs) this.known.delete(tokenId);
  }
}
