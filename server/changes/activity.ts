/**
 * The activity log of a change: one entry per seq it took (ChangeScope.log), checked and written by
 * mutate() as one multi-row INSERT sent as text with the change's COMMIT, so a change's activity costs
 * no round trip. A seq taken without an entry, an entry without its seq, or two entries of one seq is a
 * programming error: the change fails and nothing is written.
 */
import type { Sequelize } from 'sequelize';
import type { ActivityChanges, ActivityKind } from '../../shared/types';

export interface ActivityEntry {
  listId: string;
  seq: number;
  /**
   * `list.deleted` is written nowhere: the list's log goes with the list (it answers for the seq the
   * deletion took, which no one can read).
   */
  kind: ActivityKind | 'list.deleted';
  taskId?: string | null;
  commentId?: string | null;
  userId?: string | null;
  changes?: ActivityChanges | null;
}

const key = (listId: string, seq: number) => `${listId}:${seq}`;

/** The seqs a change took (with the time of each) and the entries it logged. */
export class ActivityLog {
  private readonly taken = new Map<string, Date>();
  private readonly entries: ActivityEntry[] = [];

  took(listId: string, seq: number, at: Date): void {
    this.taken.set(key(listId, seq), at);
  }

  log(entry: ActivityEntry): void {
    this.entries.push(entry);
  }

  /**
   * The INSERT of the entries (values escaped into the text, as the mutation record's), or undefined
   * when there are none; throws unless every seq taken has exactly one entry.
   */
  sql(sequelize: Sequelize, actorId: string): string | undefined {
    const seen = new Set<string>();
    for (const e of this.entries) {
      const k = key(e.listId, e.seq);
      if (!this.taken.has(k))
        throw new Error(`activity: an entry (${e.kind}) for ${k}, a seq this change did not take`);
      if (seen.has(k)) throw new Error(`activity: two entries for ${k}`);
      seen.add(k);
    }
    for (const k of this.taken.keys()) if (!seen.has(k)) throw new Error(`activity: no entry for the seq ${k}`);
    const rows = this.entries
      .filter((e) => e.kind !== 'list.deleted')
      .map((e) => {
        const values = [
          e.listId,
          e.seq,
          this.taken.get(key(e.listId, e.seq))!,
          actorId,
          e.kind,
          e.taskId ?? null,
          e.commentId ?? null,
          e.userId ?? null,
          e.changes ? JSON.stringify(e.changes) : null,
        ];
        return `(${values.map((v) => sequelize.escape(v as string)).join(', ')})`;
      });
    if (!rows.length) return undefined;
    return `INSERT INTO activities (list_id, seq, at, actor_id, kind, task_id, comment_id, user_id, changes) VALUES ${rows.join(', ')}`;
  }
}
