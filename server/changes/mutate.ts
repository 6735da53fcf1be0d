/**
 * How every change is made (tasks and lists alike): in one transaction through the models, at most
 * once per (user, mutationId), with its notes sent only after the commit, in seq order per list,
 * without holding up the caller's answer. The domain's `work` holds the rules; this holds what every
 * change shares: the transaction, the mutation record, the lost-COMMIT recovery and the sending.
 *
 * Idempotency costs one write: the record of the answer, the transaction's last statement, sent in
 * one message with its COMMIT (change-transaction.ts: three round trips a change, not five). A twin
 * (the same mutation id, sent again while the first is in flight) waits on the record's key, or on
 * the list's row lock, until the first commits; then its own write or one of its rules fails, it is
 * rolled back, and it is answered from the first's record.
 */
import { QueryTypes, UniqueConstraintError, type Transaction } from 'sequelize';
import { AppError, isDatabaseUnavailable } from '../core/errors';
import type { Actor, Ctx } from './context';
import { ActivityLog, type ActivityEntry } from './activity';
import { ChangeTransaction } from './change-transaction';
import { Mutation } from './mutation.model';
import { Outbox } from './outbox';

export interface ChangeScope {
  t: Transaction;
  out: Outbox;
  /**
   * The change took `seq` of `listId` at `at` under the list's row lock (its notes of that list go out
   * in seq order, after those of lower seqs made on this node). Every seq taken needs one `log` entry.
   */
  took: (listId: string, seq: number, at: Date) => void;
  /** The activity entry of a seq this change took (exactly one per seq: mutate() refuses the change otherwise). */
  log: (entry: ActivityEntry) => void;
  /** Serializes transactions about one client-chosen id: a create and its retry sent meanwhile. */
  lockId: (kind: keyof typeof ID_LOCK_SPACES, id: string) => Promise<void>;
}

export interface ChangeOptions<T> {
  /** The client event (what a mutation id is recorded for). */
  event: string;
  mutationId?: string;
  /**
   * Called once the change failed with a refusal or a unique violation and was rolled back, and no
   * record of its mutation id was found: a create retried by its `id` answers the object as it is
   * (or throws a better refusal). Undefined keeps the failure.
   */
  retried?: (err: unknown) => Promise<T | undefined>;
}

/** Advisory lock spaces: a client-chosen list id is 1. */
const ID_LOCK_SPACES = { list: 1 } as const;

export async function mutate<T>(
  ctx: Ctx,
  actor: Actor,
  opts: ChangeOptions<T>,
  work: (scope: ChangeScope) => Promise<T>,
): Promise<T> {
  const out = new Outbox();
  const activity = new ActivityLog();
  let result: T;
  const change = await ChangeTransaction.open(ctx.sequelize);
  try {
    const { t } = change;
    const scope: ChangeScope = {
      t,
      out,
      took: (listId, seq, at) => {
        ctx.notifier.order.reserve(out, listId, seq);
        activity.took(listId, seq, at);
      },
      log: (entry) => activity.log(entry),
      lockId: async (kind, id) => {
        await ctx.sequelize.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', {
          bind: [ID_LOCK_SPACES[kind], id],
          transaction: t,
        });
      },
    };
    result = await work(scope);
    // the activity entries and the mutation record ride with the COMMIT: one round trip
    const last = [
      activity.sql(ctx.sequelize, actor.userId),
      opts.mutationId ? recordSql(ctx, actor, opts.event, opts.mutationId, result) : undefined,
    ].filter(Boolean);
    await change.commit(last.length ? last.join(';') : undefined);
  } catch (err) {
    await change.abandon();
    // a lost connection may have lost only the COMMIT's answer: the mutation record, written in the
    // same transaction, tells whether it committed (then its notes go out as if nothing happened)
    const committed =
      opts.mutationId && isDatabaseUnavailable(err) ? await recorded(ctx, actor, opts.mutationId) : undefined;
    if (committed !== undefined) {
      ctx.notifier.publish(out, actor.socketId);
      return committed.response as T;
    }
    ctx.notifier.order.cancel(out);
    return settle(ctx, actor, opts, err);
  }
  // the answer goes back as soon as the change is committed; the other devices are told after it
  ctx.notifier.publish(out, actor.socketId);
  return result;
}

/** What a failed change answers: the first answer of its mutation id, the retried create's, or the failure. */
async function settle<T>(ctx: Ctx, actor: Actor, opts: ChangeOptions<T>, err: unknown): Promise<T> {
  if (!(err instanceof AppError || err instanceof UniqueConstraintError)) throw err;
  if (opts.mutationId) {
    const first = await Mutation.findOne({ where: { userId: actor.userId, mutationId: opts.mutationId } });
    if (first) {
      if (first.event !== opts.event)
        throw new AppError('conflict', `This mutationId was already used for ${first.event}`);
      return first.response as T;
    }
  }
  const answer = await opts.retried?.(err);
  if (answer === undefined) throw err;
  if (opts.mutationId) await record(ctx, actor, opts.event, opts.mutationId, answer);
  return answer;
}

/**
 * The record of the answer to (user, mutation id): the INSERT sent with the change's COMMIT, as text
 * (its values escaped in: one message holds both statements).
 */
function recordSql(ctx: Ctx, actor: Actor, event: string, mutationId: string, answer: unknown): string {
  const values = [actor.userId, mutationId, event, JSON.stringify(answer)].map((v) => ctx.sequelize.escape(v));
  return `${RECORD} VALUES (${values.join(', ')}, now())`;
}

const RECORD = 'INSERT INTO mutations (user_id, mutation_id, event, response, created_at)';

/** Records the answer of a retried create, found outside any transaction; a record made meanwhile is kept. */
async function record(ctx: Ctx, actor: Actor, event: string, mutationId: string, answer: unknown): Promise<void> {
  await ctx.sequelize.query(`${RECORD} VALUES ($1, $2, $3, $4, now()) ON CONFLICT DO NOTHING`, {
    bind: [actor.userId, mutationId, event, JSON.stringify(answer)],
    type: QueryTypes.INSERT,
  });
}

/**
 * The record of (user, mutation id), read on another connection; undefined if none or unreadable
 * now. Called after a lost connection: when the record cannot be read, the change may have committed
 * with nobody told (its retry is answered from the record, without notes), so it is read again later
 * (settleLater).
 */
async function recorded(ctx: Ctx, actor: Actor, mutationId: string): Promise<{ response: unknown } | undefined> {
  try {
    return await readRecord(ctx, actor, mutationId);
  } catch {
    settleLater(ctx, actor, mutationId);
    return undefined; // the database is still away: the caller is answered unavailable and retries
  }
}

async function readRecord(ctx: Ctx, actor: Actor, mutationId: string): Promise<{ response: unknown } | undefined> {
  const rows = await ctx.sequelize.query<{ response: unknown }>(
    'SELECT response FROM mutations WHERE user_id = $1 AND mutation_id = $2',
    { bind: [actor.userId, mutationId], type: QueryTypes.SELECT },
  );
  return rows.at(0);
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
        (record) => {
          if (record !== undefined) ctx.notifier.changesMissed('a change committed while its answer was lost');
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
