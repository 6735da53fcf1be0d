/** Who may do what in a list: the members and their roles, read inside the caller's transaction. */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { Role } from '../../shared/types';
import { AppError } from '../core/errors';

export interface MemberRow {
  userId: string;
  role: Role;
}

export async function membersOf(sequelize: Sequelize, listId: string, t?: Transaction): Promise<MemberRow[]> {
  return sequelize.query<MemberRow>('SELECT user_id AS "userId", role FROM list_members WHERE list_id = $1', {
    bind: [listId],
    type: QueryTypes.SELECT,
    transaction: t,
  });
}

/**
 * The caller's role if it is one of `allowed`. A list the caller cannot see is `not_found` (its
 * existence does not leak); one it sees but may not change this way is `forbidden`.
 */
export function authorize(members: MemberRow[], userId: string, allowed: readonly Role[], what = 'List'): Role {
  const role = members.find((m) => m.userId === userId)?.role;
  if (!role) throw new AppError('not_found', `${what} not found`);
  if (!allowed.includes(role)) throw new AppError('forbidden', `Your role (${role}) may not do this`);
  return role;
}

export const WRITERS: readonly Role[] = ['owner', 'editor'];
export const ANY_MEMBER: readonly Role[] = ['owner', 'editor', 'viewer'];
export const OWNER: readonly Role[] = ['owner'];

export const idsOf = (members: MemberRow[]) => members.map((m) => m.userId);
