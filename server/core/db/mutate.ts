/**
 * The one way a change is made: one transaction, at most once per (user, mutationId), and the
 * notifications sent only after the commit, without holding up the caller's answer. A change that
 * is one SQL function call (the task functions, which also record their mutation id) is made by
 * `mutateInOneStatement`.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { Actor, Ctx } from '../context';
import { AppError } from '../errors';
import { Outbox } from '../outbox';
import { Mutation } from './mutation.model';

export interface MutationScope {
  t: Transaction;
  out: Outbox;
  /**
   * Takes the next change number of a list (locking its row until commit) and adds `taskDelta` to its
   * count of live tasks; null if there is no such list.
   */
  nextSeq: (listId: string, taskDelta?: number) => Promise<Taken | null>;
  /** Serializes transactions about one client-chosen id: a create and its retry sent meanwhile. */
  lockId: (kind: keyof typeof ID_LOCK_SPACES, id: string) => Promise<void>;
}

/** A list's change number just taken, and its live tasks counting the change. */
export interface Taken {
  seq: number;
  tasks: number;
}

const ID_LOCK_SPACES = { list: 1, task: 2 } as const;

export async function mutate<T>(
  ctx: Ctx,
  actor: Actor,
  opts: { event: string; mutationId?: string },
  work: (scope: MutationScope) => Promise<T>,
): Promise<T> {
  const out = new Outbox();
  let replayed = false as boolean; // set in the transaction's callback, where narrowing does not look
  let result: T;
  try {
    result = await ctx.sequelize.transaction(async (t) => {
      if (opts.mutationId) {
        const first = await claim(ctx.sequelize, t, actor.userId, opts.mutationId, opts.event);
        if (first !== undefined) {
          replayed = true;
          return first as T;
        }
      }
      const scope: MutationScope = {
        t,
        out,
        nextSeq: async (listId, taskDelta = 0) => {
          const rows = await ctx.sequelize.query<Taken>(
            'UPDATE lists SET seq = seq + 1, task_count = task_count + $2 WHERE id = $1 RETURNING seq, task_count AS tasks',
            { bind: [listId, taskDelta], type: QueryTypes.SELECT, transaction: t },
          );
          const taken = rows.at(0);
          if (!taken) return null; // no such list
          ctx.notifier.order.reserve(out, listId, taken.seq);
          return taken;
        },
        lockId: async (kind, id) => {
          await ctx.sequelize.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', {
            bind: [ID_LOCK_SPACES[kind], id],
            transaction: t,
          });
        },
      };
      const data = await work(scope);
      if (opts.mutationId) {
        await Mutation.update(
          { response: data as object },
          { where: { userId: actor.userId, mutationId: opts.mutationId }, transaction: t },
        );
      }
      return data;
    });
  } catch (err) {
    ctx.notifier.order.cancel(out);
    throw err;
  }
  // the answer goes back as soon as the change is committed; the other devices are told after it
  if (!replayed) ctx.notifier.publish(out, actor.socketId);
  return result;
}

/**
 * A change made by one statement in its own implicit transaction (a SQL function that takes the
 * seq, checks, writes and records the mutation id): one round trip. `work` runs the statement and
 * puts the notes in the outbox; they go out once it returns, in seq order per list.
 */
export async function mutateInOneStatement<T>(ctx: Ctx, actor: Actor, work: (out: Outbox) => Promise<T>): Promise<T> {
  const out = new Outbox();
  const landed = ctx.notifier.order.expect();
  let result: T;
  try {
    result = await work(out);
  } catch (err) {
    landed();
    throw err;
  }
  ctx.notifier.publish(out, actor.socketId, landed);
  return result;
}

/**
 * Records the mutation id in this transaction. If it was recorded before, returns the first answer
 * (a concurrent twin waits on the unique key until the first one commits or rolls back).
 */
async function claim(
  sequelize: Sequelize,
  t: Transaction,
  userId: string,
  mutationId: string,
  event: string,
): Promise<unknown> {
  const rows = await sequelize.query(
    `INSERT INTO mutations (user_id, mutation_id, event, created_at) VALUES ($1, $2, $3, now())
     ON CONFLICT DO NOTHING RETURNING 1`,
    { bind: [userId, mutationId, event], type: QueryTypes.SELECT, transaction: t },
  );
  if (rows.length > 0) return undefined;
  const first = await Mutation.findOne({ where: { userId, mutationId }, transaction: t });
  if (first && first.event !== event) {
    throw new AppError('conflict', `This mutationId was already used for ${first.event}`);
  }
  return first?.response ?? undefined;
}
