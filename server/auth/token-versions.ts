/**
 * Is a socket's token still good? Socket events re-check the user's token version (logout-all bumps
 * it). The version is cached per user for `ttlMs`, and logout-all on any node updates every node's
 * cache at once, so the database is asked at most once per user per `ttlMs`, and a node that missed
 * the news still finds out within `ttlMs`.
 */
import { User } from './user.model';

interface Entry {
  version: number;
  at: number;
}

const SWEEP_AT = 10_000;

export class TokenVersions {
  private readonly versions = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<number | undefined>>();

  constructor(private readonly ttlMs: number) {}

  /** True while `version` is the user's current token version. */
  async valid(userId: string, version: number): Promise<boolean> {
    const entry = this.versions.get(userId);
    if (entry && Date.now() - entry.at < this.ttlMs) return entry.version === version;
    return (await this.load(userId)) === version;
  }

  /**
   * The user's token version as read just now (a handshake, a check) or announced by logout-all on
   * any node. Versions only grow: a read that started before a logout-all cannot undo it.
   */
  seen(userId: string, version: number): void {
    if (this.versions.size >= SWEEP_AT) this.sweep();
    const entry = this.versions.get(userId);
    const fresh = entry && Date.now() - entry.at < this.ttlMs;
    this.versions.set(userId, { version: fresh ? Math.max(version, entry.version) : version, at: Date.now() });
  }

  private load(userId: string): Promise<number | undefined> {
    let loading = this.pending.get(userId);
    if (!loading) {
      // concurrent events of one user share one query
      loading = User.findByPk(userId, { attributes: ['tokenVersion'], raw: true })
        .then((row) => {
          if (row) this.seen(userId, row.tokenVersion);
          else this.versions.delete(userId);
          return row?.tokenVersion;
        })
        .finally(() => this.pending.delete(userId));
      this.pending.set(userId, loading);
    }
    return loading;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [userId, entry] of this.versions) if (now - entry.at >= this.ttlMs) this.versions.delete(userId);
  }
}
