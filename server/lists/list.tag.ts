/**
 * The tag of a user's lists: a SHA-256 of every field of every list as the user sees it (id, name,
 * ownerId, role, seq, createdAt, updatedAt), in order, computed by PostgreSQL in the statement that
 * reads them. Any change of a name, a role, a seq or updatedAt, a list gained or lost changes it, so a
 * client holding the lists of a tag holds exactly the lists of that tag: `sync` (`listsTag`) and
 * `GET /api/lists` (ETag, If-None-Match) need not send them again.
 */
import { QueryTypes, type Transaction } from 'sequelize';
import type { List as ListDto, Role } from '../../shared/types';
import type { Ctx } from '../changes/context';
import { List } from './list.model';

/** A list's key in a sync walk: its id and its seq now. */
export interface ListKey {
  id: string;
  seq: number;
}

const VISIBLE = 'FROM list_members m JOIN lists l ON l.id = m.list_id WHERE m.user_id = $1';
const ORDER = 'created_at, id'; // the lists' order everywhere: oldest first

/**
 * `v`: the user's lists, each one's fields as one text: the fixed-format ones separated by `|` (none
 * of them holds one), then the name's length in bytes and the name, so that no two different sets of
 * lists give the same text (JSON would do, but escaping every control character of 1,000 long names
 * costs several times the hash). The tag is the SHA-256 of those texts, in order. A field added to
 * the list objects (List.toDto) must be added here, or a client could keep an old value of it.
 */
const V = `v AS (
  SELECT l.id, l.seq, l.created_at,
         concat_ws('|', l.id, l.owner_id, m.role, l.seq, l.created_at, l.updated_at, octet_length(l.name), l.name) AS fields
  ${VISIBLE})`;
const TAG = `(SELECT encode(sha256(convert_to(coalesce(string_agg(fields, E'\\n' ORDER BY ${ORDER}), ''), 'UTF8')), 'hex') FROM v)`;

/** The tag of the user's lists, and their keys (id and seq, in order) when `keys` is set. */
export async function listsTag(
  ctx: Ctx,
  userId: string,
  { keys = false, t }: { keys?: boolean; t?: Transaction } = {},
): Promise<{ tag: string; keys: ListKey[] }> {
  const [row] = await ctx.sequelize.query<{ tag: string; keys: Array<[string, number]> | null }>(
    `WITH ${V}
     SELECT ${TAG} AS tag,
            ${keys ? `(SELECT json_agg(json_build_array(id, seq) ORDER BY ${ORDER}) FROM v)` : 'NULL'} AS keys`,
    { bind: [userId], type: QueryTypes.SELECT, transaction: t },
  );
  return { tag: row.tag, keys: (row.keys ?? []).map(([id, seq]) => ({ id, seq })) };
}

/** Every list the user is a member of (with the user's role), oldest first, and their tag, in one statement. */
export async function taggedLists(
  ctx: Ctx,
  userId: string,
  t?: Transaction,
): Promise<{ tag: string; lists: ListDto[] }> {
  const rows = await ctx.sequelize.query<List>(
    `WITH ${V} SELECT l.*, m.role, ${TAG} AS tag ${VISIBLE} ORDER BY l.created_at, l.id`,
    { bind: [userId], model: List, mapToModel: true, transaction: t },
  );
  if (rows.length === 0) return { tag: (await listsTag(ctx, userId, { t })).tag, lists: [] };
  return { tag: rows[0].get('tag') as string, lists: rows.map((list) => list.toDto(list.get('role') as Role)) };
}

/** Whether an If-None-Match header names `tag` (weak comparison, as RFC 9110 has it for this header). */
export function noneMatch(header: string | undefined, tag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((etag) => etag.trim().replace(/^W\//, '') === `"${tag}"`);
}
