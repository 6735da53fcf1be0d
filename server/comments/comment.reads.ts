/**
 * A task's comments, oldest first, for any member of its list (`comments:list`, GET
 * /api/tasks/:id/comments): pages of at most `limit` comments by the key (createdAt, id); `next` is
 * the key of the page's last comment, made opaque, to pass as `after`. A task in the trash (or gone)
 * is `not_found`, like one the caller cannot see.
 */
import { Op, QueryTypes, type WhereOptions } from 'sequelize';
import type { EventInput } from '../../shared/schemas';
import type { CommentPage } from '../../shared/types';
import type { Actor, Ctx } from '../changes/context';
import { AppError } from '../core/errors';
import { Comment } from './comment.model';

const CURSOR =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

const encode = (c: Comment) => Buffer.from(`${c.createdAt.toISOString()}|${c.id}`).toString('base64url');

function decode(after: string): { createdAt: Date; id: string } {
  const m = CURSOR.exec(Buffer.from(after, 'base64url').toString());
  const createdAt = new Date(m?.[1] ?? NaN);
  if (!m || Number.isNaN(createdAt.getTime())) {
    throw new AppError('validation_error', '"after" is not a cursor this server made');
  }
  return { createdAt, id: m[2] };
}

export async function listComments(
  ctx: Ctx,
  actor: Actor,
  { taskId, after, limit }: EventInput<'comments:list'>,
): Promise<CommentPage> {
  const key = after === undefined ? undefined : decode(after);
  const tasks = await ctx.sequelize.query<{ listId: string }>(
    `SELECT t.list_id AS "listId" FROM tasks t JOIN list_members m ON m.list_id = t.list_id AND m.user_id = $2
      WHERE t.id = $1 AND t.deleted_at IS NULL`,
    { bind: [taskId, actor.userId], type: QueryTypes.SELECT },
  );
  const task = tasks.at(0);
  if (!task) throw new AppError('not_found', 'Task not found');
  const where: WhereOptions<Comment> = { taskId, listId: task.listId, deletedAt: null };
  if (key) {
    Object.assign(where, {
      [Op.or]: [{ createdAt: { [Op.gt]: key.createdAt } }, { createdAt: key.createdAt, id: { [Op.gt]: key.id } }],
    });
  }
  const rows = await Comment.findAll({
    where,
    order: [
      ['createdAt', 'ASC'],
      ['id', 'ASC'],
    ],
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  return { comments: page.map((c) => c.toDto()), next: rows.length > limit ? encode(page[page.length - 1]) : null };
}
