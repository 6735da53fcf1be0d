/**
 * Catch-up for a device that was away. One snapshot (REPEATABLE READ), so the cursors returned match
 * the tasks returned exactly: a client that applies this, then live events with a higher seq,
 * misses nothing and applies nothing twice.
 */
import { QueryTypes, Transaction } from 'sequelize';
import type { SyncInput } from '../../shared/events';
import type { SyncResult, TaskDeleted } from '../../shared/types';
import type { Actor, Ctx } from '../context';
import { visibleLists } from '../lists/list.service';
import { Task } from '../tasks/task.model';

export async function sync(ctx: Ctx, actor: Actor, input: SyncInput): Promise<SyncResult> {
  const cursors = input.cursors ?? {};
  return ctx.sequelize.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ }, async (t) => {
    const lists = await visibleLists(ctx, actor.userId, t);
    const visible = new Set(lists.map((l) => l.id));
    const removedListIds = Object.keys(cursors).filter((id) => !visible.has(id));
    // a cursor ahead of the list (a list this device never really saw) counts as no cursor
    const since = lists.map((l) => {
      const c = cursors[l.id];
      return c !== undefined && c <= l.seq ? c : 0;
    });
    const ids = lists.map((l) => l.id);
    const tasks = ids.length === 0 ? [] : await ctx.sequelize.query<Task>(
      `SELECT t.* FROM tasks t JOIN unnest($1::uuid[], $2::bigint[]) c(list_id, since)
           ON t.list_id = c.list_id AND t.seq > c.since
        WHERE t.deleted_at IS NULL ORDER BY t.list_id, t.position, t.created_at, t.id`,
      { bind: [ids, since], model: Task, mapToModel: true, transaction: t },
    );
    const withCursor = ids.filter((_, i) => since[i] > 0);
    const deleted = withCursor.length === 0 ? [] : await ctx.sequelize.query<TaskDeleted & { seq: string }>(
      // the latest departure of each task, unless it is back in that list now
      `SELECT DISTINCT ON (d.list_id, d.task_id) d.task_id AS id, d.list_id AS "listId", d.seq
         FROM task_tombstones d JOIN unnest($1::uuid[], $2::bigint[]) c(list_id, since)
           ON d.list_id = c.list_id AND d.seq > c.since
        WHERE NOT EXISTS (SELECT 1 FROM tasks x WHERE x.id = d.task_id AND x.list_id = d.list_id AND x.deleted_at IS NULL)
        ORDER BY d.list_id, d.task_id, d.seq DESC`,
      { bind: [withCursor, withCursor.map((id) => since[ids.indexOf(id)])], type: QueryTypes.SELECT, transaction: t },
    );
    return {
      lists,
      tasks: tasks.map((task) => task.toDto()),
      deleted: deleted.map((d) => ({ ...d, seq: Number(d.seq) })),
      removedListIds,
      cursors: Object.fromEntries(lists.map((l) => [l.id, l.seq])),
      more: false,
    };
  });
}
