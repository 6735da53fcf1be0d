/** Periodic clean-up: mutation records older than 48 hours, so a retry within two days is still answered from its record. */
import { Op } from 'sequelize';
import type { Ctx } from '../context';
import { Mutation } from './mutation.model';

const KEEP_MS = 48 * 3600_000;
const EVERY_MS = 3600_000;

export async function purgeMutations(now = Date.now()): Promise<number> {
  return Mutation.destroy({ where: { createdAt: { [Op.lt]: new Date(now - KEEP_MS) } } });
}

export function startMaintenance(ctx: Ctx): { stop(): void } {
  const run = () =>
    purgeMutations().then(
      (n) => {
        if (n) ctx.logger.info({ purged: n }, 'old mutation records removed');
      },
      (err: unknown) => ctx.logger.warn({ err }, 'mutation clean-up failed'),
    );
  const timer = setInterval(() => void run(), EVERY_MS); // run() never rejects
  timer.unref();
  void run();
  return { stop: () => clearInterval(timer) };
}
