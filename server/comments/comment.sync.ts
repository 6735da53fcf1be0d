/** What `sync` (server/sync) needs of comments: the sizes that cut a page, and the entries it took. */
import { Op, type Transaction } from 'sequelize';
import { LIMITS } from '../../shared/limits';
import type { Comment as CommentDto, CommentDeleted } from '../../shared/types';
import { Comment } from './comment.model';

const WIDEST_DATE = '+275760-09-13T00:00:00.000Z';
const WIDEST_UUID = '00000000-0000-0000-0000-000000000000';

/** Bytes of a comment's JSON besides its body (counted in SQL, quotes and escapes included): every other field at its largest. */
export const COMMENT_JSON_OVERHEAD =
  Buffer.byteLength(
    JSON.stringify({
      id: WIDEST_UUID,
      taskId: WIDEST_UUID,
      listId: WIDEST_UUID,
      authorId: WIDEST_UUID,
      body: '',
      mentions: Array.from({ length: LIMITS.mentionsMax }, () => WIDEST_UUID),
      seq: Number.MAX_SAFE_INTEGER,
      createdAt: WIDEST_DATE,
      editedAt: WIDEST_DATE,
    }),
  ) - '""'.length;

/** The comments (live `c`, deleted `x`) a sync page took, read in its snapshot `t`, in the page's order. */
export async function commentsOf(
  taken: Array<{ kind: string | null; id: string | null }>,
  t: Transaction,
): Promise<{ comments: CommentDto[]; deletedComments: CommentDeleted[] }> {
  const ids = taken.filter((r) => r.kind === 'c' || r.kind === 'x').map((r) => r.id!);
  if (ids.length === 0) return { comments: [], deletedComments: [] };
  const rows = await Comment.findAll({ where: { id: { [Op.in]: ids } }, transaction: t });
  const byId = new Map(rows.map((row) => [row.id, row]));
  const comments: CommentDto[] = [];
  const deletedComments: CommentDeleted[] = [];
  for (const { kind, id } of taken) {
    const row = kind === 'c' || kind === 'x' ? byId.get(id!) : undefined;
    if (!row) continue;
    if (kind === 'c') comments.push(row.toDto());
    else deletedComments.push({ id: row.id, taskId: row.taskId, listId: row.listId, seq: row.seq });
  }
  return { comments, deletedComments };
}
