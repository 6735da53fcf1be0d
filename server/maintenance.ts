/**
 * Periodic clean-up: mutation records older than 48 hours, so a retry within two days is still
 * answered from its record; revoked tokens (log out) once the token has expired anyway; activity
 * entries older than ACTIVITY_RETENTION_DAYS; deleted tasks past TRASH_RETENTION_DAYS, for good (their
 * tombstones stay: sync reports a departure from its tombstone alone, and a task's row, live or deleted,
 * is not needed for it).
 */
import { Op, QueryTypes, type Sequelize } from 'sequelize';
import type { Ctx } from './changes/context';
import { Mutation } from './changes/mutation.model';

const KEEP_MS = 48 * 3600_000;
const EVERY_MS = 3600_000;

export async function purgeMutations(now = Date.now()): Promise<number> {
  return Mutation.destroy({ where: { createdAt: { [Op.lt]: new Date(now - KEEP_MS) } } });
}

/** Deletes the revocations of tokens expired by `now`: such a token is refused for its expiry already. */
export async function purgeRevokedTokens(sequelize: Sequelize, now = Date.now()): Promise<number> {
  const rows = await sequelize.query('DELETE FROM revoked_tokens WHERE expires_at < $1 RETURNING 1', {
    bind: [new Date(now)],
    type: QueryTypes.SELECT,
  });
  return rows.length;
}

/** Deletes the activity entries older than `days` days (at most `batch` a call: the hourly run catches up). */
export async function purgeActivity(
  sequelize: Sequelize,
  days: number,
  now = Date.now(),
  batch = 50_000,
): Promise<number> {
  const rows = await sequelize.query<{ n: number }>(
    `WITH gone AS (DELETE FROM activities WHERE (list_id, seq) IN
       (SELECT list_id, seq FROM activities WHERE at < $1 LIMIT $2) RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    { bind: [new Date(now - days * 86_400_000), batch], type: QueryTypes.SELECT },
  );
  return rows.at(0)?.n ?? 0;
}

/**
 * Deletes for good the tasks deleted more than `days` days ago (at most `batch` a call): they can no
 * longer be restored. A task restored meanwhile is live again and stays (the condition is checked again
 * on the row).
 */
export async function purgeTrash(
  sequelize: Sequelize,
  days: number,
  now = Date.now(),
  batch = 10_000,
): Promise<number> {
  const rows = await sequelize.query<{ n: number }>(
    `WITH gone AS (DELETE FROM tasks WHERE deleted_at < $1 AND id IN
       (SELECT id FROM tasks WHERE deleted_at < $1 LIMIT $2) RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    { bind: [new Date(now - days * 86_400_000), batch], type: QueryTypes.SELECT },
  );
  return rows.at(0)?.n ?? 0;
}

export function startMaintenance(ctx: Ctx): { stop(): void } {
  const run = async () => {
    for (const [what, purge] of [
      ['old mutation records', () => purgeMutations()],
      ['expired revoked tokens', () => purgeRevokedTokens(ctx.sequelize)],
      ['old activity entries', () => purgeActivity(ctx.sequelize, ctx.config.activityRetentionDays)],
      ['deleted tasks past retention', () => purgeTrash(ctx.sequelize, ctx.config.trashRetentionDays)],
    ] as const) {
      try {
        const n = await purge();
        if (n) ctx.logger.info({ purged: n }, `${what} removed`);
      } catch (err) {
        ctx.logger.warn({ err }, `clean-up of ${what} failed`);
      }
    }
  };
  const timer = setInterval(() => void run(), EVERY_MS); // run() never rejects
  timer.unref();
  void run();
  return { stop: () => clearInterval(timer) };
}
