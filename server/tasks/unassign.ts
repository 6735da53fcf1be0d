/**
 * A member who leaves a list (or is removed) is unassigned from its tasks: each live task assigned to
 * them becomes a `task:updated` with its own seq (after the `member:removed`), by whoever removed
 * them, sent to every member who stays, the remover's sending socket included (its ack does not carry
 * them). Deleted tasks assigned to them are cleared too, silently (no one sees them).
 */
import { QueryTypes } from 'sequelize';
import type { Actor, Ctx } from '../changes/context';
import type { ChangeScope } from '../changes/mutate';
import { takeMoreSeqs } from '../lists/list-seq';
import type { Departure } from '../lists/member-left';
import { Task } from './task.model';

export async function unassignLeaver(ctx: Ctx, actor: Actor, scope: ChangeScope, departure: Departure): Promise<void> {
  const { t, out } = scope;
  const listIds = departure.lists.map((l) => l.listId);
  if (!listIds.length) return;
  const assigned = await ctx.sequelize.query<{ id: string; listId: string }>(
    `WITH cleared AS (UPDATE tasks SET assignee_id = NULL
                       WHERE list_id = ANY($1::uuid[]) AND assignee_id = $2 AND deleted_at IS NOT NULL)
     SELECT id, list_id AS "listId" FROM tasks
      WHERE list_id = ANY($1::uuid[]) AND assignee_id = $2 AND deleted_at IS NULL ORDER BY list_id, id`,
    { bind: [listIds, departure.userId], type: QueryTypes.SELECT, transaction: t },
  );
  if (!assigned.length) return;
  const ids: string[] = [];
  const seqs: number[] = [];
  const ats: Date[] = [];
  for (const { listId, at } of departure.lists) {
    const mine = assigned.filter((a) => a.listId === listId);
    if (!mine.length) continue;
    const first = await takeMoreSeqs(ctx, scope, listId, mine.length, at);
    mine.forEach((a, i) => {
      ids.push(a.id);
      seqs.push(first + i);
      ats.push(at);
    });
  }
  const byList = new Map(departure.lists.map((l) => [l.listId, l]));
  const tasks = await ctx.sequelize.query<Task>(
    `UPDATE tasks t SET assignee_id = NULL, seq = d.seq, version = t.version + 1, updated_by = $3, updated_at = d.at,
            field_versions = t.field_versions || jsonb_build_object('assigneeId', t.version + 1)
       FROM unnest($1::uuid[], $2::bigint[], $4::timestamptz[]) AS d(id, seq, at)
      WHERE t.id = d.id RETURNING t.*`,
    {
      bind: [ids, seqs, actor.userId, ats],
      model: Task,
      mapToModel: true,
      transaction: t,
    },
  );
  for (const task of tasks.sort((a, b) => a.seq - b.seq)) {
    const list = byList.get(task.listId)!;
    scope.log({
      listId: task.listId,
      seq: task.seq,
      kind: 'task.updated',
      taskId: task.id,
      changes: { assigneeId: [departure.userId, null] },
    });
    out.add({
      event: 'task:updated',
      payload: { task: task.toDto() },
      to: list.members.map((m) => m.userId),
      listId: task.listId,
      seq: task.seq,
      toSender: true,
    });
  }
}
