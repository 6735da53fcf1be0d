/**
 * How a change is made: atomically, at most once per (user, mutationId), with its notifications sent
 * only after the commit, without holding up the caller's answer. Two ways: `mutate`, a transaction
 * of a few statements (the list changes); and `mutateInOneStatement`, one SQL function call that
 * does it all in one round trip (the task changes, the hot path).
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { Actor, Ctx } from '../context';
import { AppError, isDatabaseUnavailable } from '../errors';
import { Outbox } from '../outbox';
import { Mutation } from './mutation.model';

export interface MutationScope {
  t: Transaction;
  out: Outbox;
  /** Takes the next change number of a list (locking its row until commit); null if there is no such list. */
  nextSeq: (listId: string) => Promise<number | null>;
  /** Serializes transactions about one client-chosen id: a create and its retry sent meanwhile. */
  lockId: (kind: keyof typeof ID_LOCK_SPACES, id: string) => Promise<void>;
  /**
   * Locks the rows of several lists until commit, in id order (as a task move locks its two lists),
   * so that transactions locking more than one list never deadlock. Takes no seq.
   */
  lockLists: (listIds: string[]) => Promise<void>;
  /** Takes the next change number of each list (lock them first with lockLists); lists that do not exist are absent. */
  nextSeqs: (listIds: string[]) => Promise<Map<string, number>>;
}

/**
 * Advisory lock spaces: a client-chosen list id is 1; the SQL functions (migration 7) use 2 for a
 * client-chosen task id and 3 for a user's mutation id.
 */
const ID_LOCK_SPACES = { list: 1 } as const;

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
        nextSeq: async (listId) => {
          const rows = await ctx.sequelize.query<{ seq: number }>(
            'UPDATE lists SET seq = seq + 1 WHERE id = $1 RETURNING seq',
            { bind: [listId], type: QueryTypes.SELECT, transaction: t },
          );
          const seq = rows.at(0)?.seq;
          if (seq === undefined) return null; // no such list
          ctx.notifier.order.reserve(out, listId, seq);
          return seq;
        },
        lockId: async (kind, id) => {
          await ctx.sequelize.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', {
            bind: [ID_LOCK_SPACES[kind], id],
            transaction: t,
          });
        },
        lockLists: async (listIds) => {
          if (!listIds.length) return;
          await ctx.sequelize.query('SELECT 1 FROM lists WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE', {
            bind: [listIds],
            type: QueryTypes.SELECT,
            transaction: t,
          });
        },
        nextSeqs: async (listIds) => {
          const seqs = new Map<string, number>();
          if (!listIds.length) return seqs;
          const rows = await ctx.sequelize.query<{ id: string; seq: number }>(
            'UPDATE lists SET seq = seq + 1 WHERE id = ANY($1::uuid[]) RETURNING id, seq',
            { bind: [listIds], type: QueryTypes.SELECT, transaction: t },
          );
          for (const { id, seq } of rows) {
            seqs.set(id, seq);
            ctx.notifier.order.reserve(out, id, seq);
          }
          return seqs;
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
    // a lost connection may have lost only the COMMIT's answer: the mutation record, written in the
    // same transaction, tells whether it committed (then its notes go out as if nothing happened)
    const committed =
      opts.mutationId && isDatabaseUnavailable(err) ? await recorded(ctx, actor, opts.mutationId) : undefined;
    if (committed === undefined) {
      ctx.notifier.order.cancel(out);
      throw err;
    }
    result = committed as T;
  }
  // the answer goes back as soon as the change is committed; the other devices are told after it
  if (!replayed) ctx.notifier.publish(out, actor.socketId);
  return result;
}

/**
 * The answer recorded for (user, mutation id), read on another connection; undefined if none or
 * unreadable now. Called after a lost connection: when the record cannot be read, the change may have
 * committed with nobody told (its retry is answered from the record, without notes), so it is read
 * again later (settleLater).
 */
export async function recorded(ctx: Ctx, actor: Actor, mutationId: string): Promise<unknown> {
  try {
    return await readRecord(ctx, actor, mutationId);
  } catch {
    settleLater(ctx, actor, mutationId);
    return undefined; // the database is still away: the caller is answered unavailable and retries
  }
}

async function readRecord(ctx: Ctx, actor: Actor, mutationId: string): Promise<unknown> {
  const rows = await ctx.sequelize.query<{ response: unknown }>(
    'SELECT response FROM mutations WHERE user_id = $1 AND mutation_id = $2',
    { bind: [actor.userId, mutationId], type: QueryTypes.SELECT },
  );
  return rows.at(0)?.response ?? undefined;
}

/** How long settleLater() waits between reads (doubling), and for how long it tries. */
const SETTLE_FIRST_MS = 500;
const SETTLE_MAX_MS = 5_000;
const SETTLE_FOR_MS = 5 * 60_000;

/**
 * A change whose outcome is unknown (its answer was lost, and so far its mutation record could not be
 * read): reads the record again until the database answers. If it committed, its notes were never
 * sent, so every socket is told to sync (Notifier.changesMissed); if not, nothing happened.
 */
function settleLater(ctx: Ctx, actor: Actor, mutationId: string): void {
  const until = Date.now() + SETTLE_FOR_MS;
  const attempt = (wait: number) => {
    setTimeout(() => {
      readRecord(ctx, actor, mutationId).then(
        (answer) => {
          if (answer !== undefined) ctx.notifier.changesMissed('a change committed while its answer was lost');
        },
        () => {
          if (Date.now() < until) attempt(Math.min(wait * 2, SETTLE_MAX_MS));
          else ctx.logger.error({ mutationId }, 'could not tell whether a change committed');
        },
      );
    }, wait).unref();
  };
  attempt(SETTLE_FIRST_MS);
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
