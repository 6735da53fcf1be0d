/**
 * Catch-up for a device that was away. One snapshot (REPEATABLE READ), so the cursors returned match
 * the tasks returned exactly: a client that applies this, then live events with a higher seq,
 * misses nothing and applies nothing twice.
 *
 * Paged: one answer holds at most LIMITS.syncEntries entries (`tasks` plus `deleted`) and about
 * LIMITS.answerBytes of JSON. Lists are walked in the order of the user's lists (oldest first), and the entries of one list
 * in seq order (a live task's entry is its latest change, a departure's the tombstone's seq), so a
 * list cut short has had every entry at or below its returned cursor: the next call, from that
 * cursor, sends exactly what is left, as of its own snapshot.
 *
 * `lists` is whole, unless the client sends the `listsTag` of the lists it holds and that tag is still
 * current (list.tag.ts): then it is empty and `listsUnchanged` true, on every page of a pass.
 */
import { QueryTypes, Transaction } from 'sequelize';
import { LIMITS } from '../../shared/limits';
import type { SyncInput } from '../../shared/events';
import type { List, SyncResult, TaskDeleted } from '../../shared/types';
import type { Actor, Ctx } from '../changes/context';
import { listsTag, taggedLists, type ListKey } from '../lists/list.tag';
import { COMMENT_JSON_OVERHEAD, commentsOf } from '../comments/comment.sync';
import { TASK_JSON_OVERHEAD, TASK_TEXT_BYTES, TASK_TEXT_MIN_BYTES, tasksByIds } from '../tasks/task.reads';

/** Bytes of one `deleted` entry at its largest, and a comma. */
const DELETED_JSON_BYTES =
  Buffer.byteLength(
    JSON.stringify({
      id: '00000000-0000-0000-0000-000000000000',
      listId: '00000000-0000-0000-0000-000000000000',
      seq: Number.MAX_SAFE_INTEGER,
    }),
  ) + 1;

/** Bytes of one `deletedComments` entry at its largest, and a comma. */
const COMMENT_DELETED_JSON_BYTES =
  DELETED_JSON_BYTES + Buffer.byteLength(',"taskId":"00000000-0000-0000-0000-000000000000"');

/**
 * The entries of list `c.list_id` after `c.since`: its live tasks changed since, its comments on live
 * tasks changed since, and (only when the client gave a cursor) the latest departure of each task that
 * is not live there now and the comments deleted since. `$cols` selects the columns, `$limit` bounds
 * each part.
 */
interface EntryCols {
  task: string;
  tomb: string;
  comment: string;
  uncomment: string;
}
const entriesOf = (cols: EntryCols, limit: string, ordered: boolean) => `
  (SELECT ${cols.task} FROM tasks t
    WHERE t.list_id = c.list_id AND t.seq > c.since AND t.deleted_at IS NULL
    ${ordered ? 'ORDER BY t.seq' : ''} LIMIT ${limit})
  UNION ALL
  (SELECT ${cols.tomb} FROM task_tombstones d
    WHERE c.since > 0 AND d.list_id = c.list_id AND d.seq > c.since
      AND NOT EXISTS (SELECT 1 FROM task_tombstones l WHERE l.list_id = d.list_id AND l.task_id = d.task_id AND l.seq > d.seq)
      AND NOT EXISTS (SELECT 1 FROM tasks x WHERE x.id = d.task_id AND x.list_id = d.list_id AND x.deleted_at IS NULL)
    ${ordered ? 'ORDER BY d.seq' : ''} LIMIT ${limit})
  UNION ALL
  (SELECT ${cols.comment} FROM comments cm
    WHERE cm.list_id = c.list_id AND cm.seq > c.since AND cm.deleted_at IS NULL
      AND EXISTS (SELECT 1 FROM tasks ct WHERE ct.id = cm.task_id AND ct.list_id = cm.list_id AND ct.deleted_at IS NULL)
    ${ordered ? 'ORDER BY cm.seq' : ''} LIMIT ${limit})
  UNION ALL
  (SELECT ${cols.uncomment} FROM comments cm
    WHERE c.since > 0 AND cm.list_id = c.list_id AND cm.seq > c.since AND cm.deleted_at IS NOT NULL
    ${ordered ? 'ORDER BY cm.seq' : ''} LIMIT ${limit})`;

const COUNT_COLS: EntryCols = { task: '1', tomb: '1', comment: '1', uncomment: '1' };
const KEY_COLS: EntryCols = {
  task: `'t' AS kind, t.id, t.seq`,
  tomb: `'d' AS kind, d.task_id AS id, d.seq`,
  comment: `'c' AS kind, cm.id, cm.seq`,
  uncomment: `'x' AS kind, cm.id, cm.seq`,
};

/**
 * One statement for every list with something after its cursor ($1 ids, $2 since, in answer order):
 * `walk` goes through the lists in order, counting each one's entries (no more than it may still
 * take, plus one to know whether it has more) until $3 entries are taken, so the database reads
 * about $3 entries however many lists and tasks there are. Then the keys of the entries taken, in
 * (list, seq) order, with the bytes of each task's JSON strings computed here: no task row leaves
 * the database before the answer is cut, and the exact size (which escapes every character) only
 * while a cheap lower bound of the sizes before it ($4) leaves room. A list walked with no entries
 * still comes as one row (kind null), so its cursor can advance.
 */
const ENTRY_KEYS_SQL = `
WITH RECURSIVE walk(ord, taken, take, whole) AS (
  SELECT 0, 0::bigint, 0::bigint, true
  UNION ALL
  SELECT w.ord + 1, w.taken + least(g.got, $3 - w.taken), least(g.got, $3 - w.taken), g.got <= $3 - w.taken
    FROM walk w
   CROSS JOIN LATERAL (SELECT ($1::uuid[])[w.ord + 1] AS list_id, ($2::bigint[])[w.ord + 1] AS since) c
   CROSS JOIN LATERAL (
     SELECT count(*) AS got FROM (${entriesOf(COUNT_COLS, '$3 - w.taken + 1', false)}) e
   ) g
   WHERE w.taken < $3 AND w.ord < cardinality($1::uuid[])
)
SELECT k.ord, k.whole, k.kind, k.id, k.seq,
       CASE WHEN coalesce(sum(k.low) OVER w, 0) > $4 THEN NULL
            WHEN k.kind = 't' THEN ${TASK_TEXT_BYTES('k')}
            WHEN k.kind = 'c' THEN octet_length(to_json(k.body)::text) END AS bytes
  FROM (
    SELECT w.ord, w.whole, e.kind, e.id, e.seq, t.title, t.notes, t.position, cb.body,
           CASE WHEN e.kind = 't' THEN ${TASK_TEXT_MIN_BYTES('t')}
                WHEN e.kind = 'c' THEN octet_length(cb.body) ELSE 0 END AS low
      FROM walk w
     CROSS JOIN LATERAL (SELECT ($1::uuid[])[w.ord] AS list_id, ($2::bigint[])[w.ord] AS since) c
      LEFT JOIN LATERAL (
        SELECT * FROM (${entriesOf(KEY_COLS, 'w.take', true)}) u
         ORDER BY u.seq LIMIT w.take
      ) e ON true
      LEFT JOIN tasks t ON e.kind = 't' AND t.id = e.id
      LEFT JOIN comments cb ON e.kind = 'c' AND cb.id = e.id
     WHERE w.ord > 0
  ) k
WINDOW w AS (ORDER BY k.ord, k.seq NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
 ORDER BY k.ord, k.seq NULLS FIRST`;

/** The JSON bytes of one entry of the answer, and a comma (Infinity when too large to have been measured). */
function entryBytes(row: EntryRow): number {
  if (row.kind === 'd') return DELETED_JSON_BYTES;
  if (row.kind === 'x') return COMMENT_DELETED_JSON_BYTES;
  if (row.bytes === null) return Infinity;
  return (row.kind === 'c' ? COMMENT_JSON_OVERHEAD : TASK_JSON_OVERHEAD) + row.bytes + 1;
}

interface EntryRow {
  ord: number;
  whole: boolean;
  /** A live task, a task's departure, a live comment, a deleted comment; null: a list walked with no entry. */
  kind: 't' | 'd' | 'c' | 'x' | null;
  id: string | null;
  seq: number | null;
  bytes: number | null;
}

/**
 * The user's lists in the snapshot `t`: their keys (in answer order) and tag, and the lists themselves
 * unless `held`, the tag of the lists the client holds, is still current (then only the tag is read).
 */
async function listsOf(
  ctx: Ctx,
  userId: string,
  held: string | undefined,
  t: Transaction,
): Promise<{ keys: ListKey[]; lists: List[]; tag: string; unchanged: boolean }> {
  if (held !== undefined) {
    const { tag, keys } = await listsTag(ctx, userId, { keys: true, t });
    if (tag === held) return { keys, lists: [], tag, unchanged: true };
  }
  const { tag, lists } = await taggedLists(ctx, userId, t);
  return { keys: lists, lists, tag, unchanged: false };
}

export async function sync(ctx: Ctx, actor: Actor, input: SyncInput): Promise<SyncResult> {
  const sent: Partial<Record<string, number>> = input.cursors ?? {}; // the device's cursors: some lists have none
  return ctx.sequelize.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ }, async (t) => {
    const { keys, lists, tag, unchanged } = await listsOf(ctx, actor.userId, input.listsTag, t);
    const visible = new Set(keys.map((l) => l.id));
    const removedListIds = Object.keys(sent).filter((id) => !visible.has(id));
    // a cursor ahead of the list (a list this device never really saw) counts as no cursor
    const since = keys.map((l) => {
      const c = sent[l.id];
      return c !== undefined && c <= l.seq ? c : 0;
    });
    // lists at their cursor have no entries: they are not queried
    const pending = keys.flatMap((l, i) => (since[i] < l.seq ? [{ list: l, since: since[i] }] : []));
    const rows =
      pending.length === 0
        ? []
        : await ctx.sequelize.query<EntryRow>(ENTRY_KEYS_SQL, {
            bind: [pending.map((p) => p.list.id), pending.map((p) => p.since), LIMITS.syncEntries, LIMITS.answerBytes],
            type: QueryTypes.SELECT,
            transaction: t,
          });

    // cut by bytes: `lists` (whole, or empty when unchanged), removedListIds and cursors (at their largest) count too
    const allCursors = Object.fromEntries(keys.map((l) => [l.id, l.seq]));
    let bytes = Buffer.byteLength(
      JSON.stringify({
        lists,
        tasks: [],
        deleted: [],
        comments: [],
        deletedComments: [],
        removedListIds,
        cursors: allCursors,
        more: false,
        listsTag: tag,
        listsUnchanged: unchanged,
      }),
    );
    const taken: EntryRow[] = [];
    let cut = false;
    for (const row of rows) {
      if (row.kind === null) continue;
      const size = entryBytes(row);
      if (taken.length > 0 && bytes + size > LIMITS.answerBytes) {
        cut = true;
        break;
      }
      bytes += size;
      taken.push(row);
    }
    const cutOrd = cut ? rows[rows.indexOf(taken[taken.length - 1]) + 1].ord : Infinity;

    // how far each list got: covered whole (its seq now), in part (the seq of its last entry taken), or not reached
    const reached = new Map<string, number>();
    const lastTaken = new Map<number, number>();
    for (const row of taken) lastTaken.set(row.ord, row.seq!);
    const walked = new Map<number, boolean>();
    for (const row of rows) walked.set(row.ord, row.whole);
    pending.forEach((p, i) => {
      const ord = i + 1;
      if (!walked.has(ord) || ord > cutOrd) return;
      if (ord < cutOrd && walked.get(ord)) reached.set(p.list.id, p.list.seq);
      else if (lastTaken.has(ord)) reached.set(p.list.id, lastTaken.get(ord)!);
    });
    const cursors: Record<string, number> = {};
    let more = false;
    keys.forEach((l, i) => {
      if (since[i] === l.seq) cursors[l.id] = l.seq;
      else if (reached.has(l.id)) {
        cursors[l.id] = reached.get(l.id)!;
        if (cursors[l.id] !== l.seq) more = true;
      } else {
        more = true;
        const c = sent[l.id];
        if (c !== undefined) cursors[l.id] = c;
      }
    });

    const tasks = await tasksByIds(
      taken.filter((r) => r.kind === 't').map((r) => r.id!),
      t,
    );
    const deleted: TaskDeleted[] = taken
      .filter((r) => r.kind === 'd')
      .map((r) => ({ id: r.id!, listId: pending[r.ord - 1].list.id, seq: r.seq! }));
    const { comments, deletedComments } = await commentsOf(taken, t);
    return {
      lists,
      tasks,
      deleted,
      comments,
      deletedComments,
      removedListIds,
      cursors,
      more,
      listsTag: tag,
      listsUnchanged: unchanged,
    };
  });
}
