/** Serializes the transactions that grow what one user holds, so that each bound is counted exactly. */
import { QueryTypes, type Transaction } from 'sequelize';
import type { Ctx } from '../changes/context';

/**
 * Locks the user's row until commit: concurrent creates, shares and blocks for one user run one after
 * the other, on every process and node (the lock is PostgreSQL's). Count in a later statement: in
 * READ COMMITTED each statement reads a snapshot taken when it starts, so a count made after the lock
 * was granted sees every row committed by the transactions that held it before (a count in the same
 * statement as the lock would read the snapshot taken before it waited, and miss them).
 */
export async function lockUser(ctx: Ctx, t: Transaction, userId: string): Promise<void> {
  await ctx.sequelize.query('SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE', {
    bind: [userId],
    type: QueryTypes.SELECT,
    transaction: t,
  });
}
