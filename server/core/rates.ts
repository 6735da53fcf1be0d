/**
 * What one user may do in a while: events (all sockets and REST changes together), shares, and
 * failed logins. Counted in this process (see the README: a database write per event would cost
 * more than it saves), or in Redis, shared by every node, when SOCKET_ADAPTER=redis brings one; the
 * per-socket bucket lives on each socket.
 */
import type { Store } from 'express-rate-limit';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Config } from './config';
import { rateLimited, type AppError } from './errors';
import { withTimeout } from './timeout';

/** About `rate` takes a second, bursts up to `burst`. */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(
    private readonly rate: number,
    private readonly burst = 2 * rate,
  ) {
    this.tokens = burst;
  }

  /** Takes `cost` tokens when there are that many; else takes none. */
  take(cost = 1): boolean {
    this.refill();
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Milliseconds until the next take() can succeed (0 when it can now). */
  get waitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.rate) * 1000;
  }

  /** Takes `cost` tokens whatever is left: below zero, the next take() waits until they are back. */
  charge(cost: number): void {
    this.refill();
    this.tokens -= cost;
  }

  /** Tokens left now: below zero after a charge. */
  get left(): number {
    this.refill();
    return this.tokens;
  }

  /** Full again: nothing to remember about its owner. */
  get idle(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}

const SWEEP_EVERY_MS = 10_000;

/** An answer costs one of the user's events per this many bytes of it (at least one). */
export const ANSWER_UNIT_BYTES = 64 * 1024;

/** What an answer of `bytes` costs of the user's events: one per ANSWER_UNIT_BYTES begun (a full 1 MiB page: 16). */
export const answerCost = (bytes: number): number => Math.max(1, Math.ceil(bytes / ANSWER_UNIT_BYTES));
const LOGIN_WINDOW_S = 15 * 60;
/** Failed logins of one account from all addresses together, as a multiple of the per-address limit. */
const ACCOUNT_FACTOR = 10;

/** msBeforeNext of a limiter's refusal (a RateLimiterRes), if it is one. */
const msBefore = (res: unknown): number | undefined => (res as { msBeforeNext?: number } | undefined)?.msBeforeNext;

/** Where counts are kept: this process, or a Redis shared by every node (`client`: a node-redis client). */
export interface RateStore {
  client: {
    sendCommand(args: string[]): Promise<unknown>;
    isReady: boolean;
    once(event: 'ready', listener: () => void): unknown;
  };
  key: string;
}

/** How long a count waits for Redis to be (back) ready before this request goes on without it. */
const STORE_WAIT_MS = 1_000;

export class Rates {
  private readonly users = new Map<string, TokenBucket>();
  private lastSweep = Date.now();
  private readonly events?: RateLimiterAbstract; // the user's events, when counted in Redis
  private readonly shares: RateLimiterAbstract;
  private readonly loginsByAddress: RateLimiterAbstract;
  private readonly loginsByAccount: RateLimiterAbstract;
  private readonly loginsByDevice: RateLimiterAbstract;
  private readonly store?: RateStore;

  /**
   * @param store counts in Redis, shared by every node (this process's memory stands in while Redis
   * does not answer); without it, each process counts its own
   */
  constructor(
    private readonly config: Pick<Config, 'userEventsPerSecond' | 'shareRateLimit' | 'loginFailureLimit'>,
    store?: RateStore,
  ) {
    this.store = store;
    const limiter = (name: string, points: number, duration: number): RateLimiterAbstract => {
      const memory = new RateLimiterMemory({ keyPrefix: name, points, duration });
      if (!store) return memory;
      return new RateLimiterRedis({
        storeClient: store.client,
        useRedisPackage: true,
        keyPrefix: `${store.key}:${name}`,
        points,
        duration,
        insuranceLimiter: memory,
      });
    };
    // in Redis, the user's events are a window of 2 s: about the rate a second, bursts to twice as many
    if (store) this.events = limiter('events', 2 * config.userEventsPerSecond, 2);
    this.shares = limiter('share', config.shareRateLimit, 60);
    this.loginsByAddress = limiter('login-ip', config.loginFailureLimit, LOGIN_WINDOW_S);
    this.loginsByAccount = limiter('login', ACCOUNT_FACTOR * config.loginFailureLimit, LOGIN_WINDOW_S);
    this.loginsByDevice = limiter('login-device', config.loginFailureLimit, LOGIN_WINDOW_S);
  }

  /**
   * Spends `cost` of the user's events (a socket event, known or not, a REST change or a task page: 1);
   * throws `rate_limited` when fewer are left.
   */
  async spendEvent(userId: string, cost = 1): Promise<void> {
    if (this.events) {
      await this.events.consume(userId, cost).catch((res: unknown) => {
        if (res instanceof Error) throw res;
        throw rateLimited('Too many requests from this account, slow down', msBefore(res));
      });
      return;
    }
    const bucket = this.bucketOf(userId);
    if (!bucket.take(cost)) throw rateLimited('Too many requests from this account, slow down', bucket.waitMs);
  }

  /**
   * Charges `cost` of the user's events for work already done (the rest of a large answer's cost,
   * see answerCost): never refused, it may leave the budget below zero, and the user's next events
   * are refused until it is back.
   */
  async chargeEvent(userId: string, cost: number): Promise<void> {
    if (cost <= 0) return;
    if (this.events) await this.events.penalty(userId, cost);
    else this.bucketOf(userId).charge(cost);
  }

  /**
   * Throws `rate_limited` while the user's budget is below zero (large answers charged after they were
   * made): an expensive read that waited for its turn checks it before it starts.
   */
  async checkEvents(userId: string): Promise<void> {
    const spent = this.events
      ? ((await this.events.get(userId))?.consumedPoints ?? 0) > 2 * this.config.userEventsPerSecond
      : (this.users.get(userId)?.left ?? 0) < 0;
    if (spent) throw rateLimited('Too many requests from this account, slow down', 1000);
  }

  private bucketOf(userId: string): TokenBucket {
    let bucket = this.users.get(userId);
    if (!bucket) {
      this.sweep();
      bucket = new TokenBucket(this.config.userEventsPerSecond);
      this.users.set(userId, bucket);
    }
    return bucket;
  }

  /**
   * Where express-rate-limit keeps the counts of `name` (per client address): in the Redis store
   * when there is one (a request is let through while Redis does not answer), else this process.
   */
  addressStore(name: string): Store | undefined {
    if (!this.store) return undefined;
    const { client, key } = this.store;
    // the store loads its scripts at once, maybe before the client is connected: such commands wait (bounded)
    let ready: Promise<void> | undefined;
    const whenReady = async () => {
      if (client.isReady) return;
      ready ??= new Promise<void>((resolve) =>
        client.once('ready', () => {
          ready = undefined;
          resolve();
        }),
      );
      await withTimeout(ready, STORE_WAIT_MS, undefined);
    };
    return new RedisStore({
      prefix: `${key}:${name}:`,
      sendCommand: async (...args: string[]) => {
        await whenReady();
        return client.sendCommand(args) as Promise<RedisReply>;
      },
    });
  }

  /** Spends one of the user's shares a minute; throws `rate_limited` when none is left. */
  async spendShare(userId: string): Promise<void> {
    await this.shares.consume(userId).catch((res: unknown) => {
      if (res instanceof Error) throw res;
      throw rateLimited('Too many shares, try again in a minute', msBefore(res));
    });
  }

  /**
   * Before checking a password: refuses (even a correct one) while the account, from here or overall,
   * failed too often. A `device` the account signed in from before (its device cookie) is held by its
   * own failures only, so that a stranger's guesses cannot lock the owner out.
   */
  async checkLogin(email: string, address: string, device?: string): Promise<void> {
    if (device !== undefined) {
      const mine = await this.loginsByDevice.get(device);
      if ((mine?.consumedPoints ?? 0) >= this.config.loginFailureLimit)
        throw lockedOut('Too many failed logins from this device', mine?.msBeforeNext ?? 0);
      return;
    }
    const [here, all] = await Promise.all([
      this.loginsByAddress.get(`${email}|${address}`),
      this.loginsByAccount.get(email),
    ]);
    if (
      (here?.consumedPoints ?? 0) >= this.config.loginFailureLimit ||
      (all?.consumedPoints ?? 0) >= ACCOUNT_FACTOR * this.config.loginFailureLimit
    ) {
      const wait = Math.max(here?.msBeforeNext ?? 0, all?.msBeforeNext ?? 0);
      throw lockedOut('Too many failed logins for this account', wait);
    }
  }

  /** A wrong password: counted for the device alone when it is a known one, else for the address and the account. */
  async loginFailed(email: string, address: string, device?: string): Promise<void> {
    // consume() rejects once a limiter is over; the count is what matters here
    if (device !== undefined) await this.loginsByDevice.penalty(device);
    else await Promise.all([this.loginsByAddress.penalty(`${email}|${address}`), this.loginsByAccount.penalty(email)]);
  }

  /** A correct password forgets the failures of this address (and device), not the account's overall count. */
  async loginSucceeded(email: string, address: string, device?: string): Promise<void> {
    await Promise.all([
      this.loginsByAddress.delete(`${email}|${address}`),
      device === undefined ? undefined : this.loginsByDevice.delete(device),
    ]);
  }

  /** Forgets users whose buckets are full again, so memory follows the active users only. */
  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [userId, bucket] of this.users) if (bucket.idle) this.users.delete(userId);
  }
}

/** A login lockout: `rate_limited`, its message saying the minutes left, `Retry-After` the seconds. */
function lockedOut(what: string, waitMs: number): AppError {
  return rateLimited(`${what}, try again in ${Math.ceil(waitMs / 60_000)} minutes`, waitMs);
}
