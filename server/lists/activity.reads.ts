/**
 * A list's activity, newest first, for any member (`activity:list`, GET /api/lists/:listId/activity):
 * pages of at most `limit` entries by the key (list, seq); `next` is the seq of the page's last
 * entry, made opaque, to pass as `before`.
 */
import { Op, type WhereOptions } from 'sequelize';
import type { EventInput } from '../../shared/schemas';
import type { ActivityPage } from '../../shared/types';
import { Activity } from '../changes/activity.model';
import type { Actor, Ctx } from '../changes/context';
import { AppError } from '../core/errors';
import { ANY_MEMBER, authorize, membersOf } from './access';

const CURSOR = /^s([0-9]{1,16})$/;

const encode = (seq: number) => Buffer.from(`s${seq}`).toString('base64url');

function decode(before: string): number {
  const m = CURSOR.exec(Buffer.from(before, 'base64url').toString());
  if (!m) throw new AppError('validation_error', '"before" is not a cursor this server made');
  return Number(m[1]);
}

export async function listActivity(
  ctx: Ctx,
  actor: Actor,
  { listId, taskId, before, limit }: EventInput<'activity:list'>,
): Promise<ActivityPage> {
  const seqBefore = before === undefined ? undefined : decode(before);
  authorize(await membersOf(ctx.sequelize, listId), actor.userId, ANY_MEMBER);
  const where: WhereOptions<Activity> = { listId };
  if (taskId) Object.assign(where, { taskId });
  if (seqBefore !== undefined) Object.assign(where, { seq: { [Op.lt]: seqBefore } });
  const rows = await Activity.findAll({ where, order: [['seq', 'DESC']], limit: limit + 1 });
  const entries = rows.slice(0, limit).map((r) => r.toDto());
  return { entries, next: rows.length > limit ? encode(entries[entries.length - 1].seq) : null };
}
