/** Configuration from the environment, validated with joi: one message naming every bad variable. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Joi from 'joi';
import ms from 'ms';
import { BOUNDS, LIMITS, PRESENCE } from '../../shared/limits';
import { projectRoot } from './paths';

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Empty: start the embedded PostgreSQL under dataDir. */
  databaseUrl: string;
  jwtSecret: string;
  /** Token lifetime in seconds. */
  jwtExpiresIn: number;
  bcryptRounds: number;
  corsOrigins: string[] | '*';
  dbPoolMax: number;
  logLevel: string;
  dataDir: string;
  authRateLimit: number;
  /**
   * postgres: deliver to sockets on every node through the database; redis: through Redis at
   * `redisUrl`; cluster: between the workers of one machine (WEB_CONCURRENCY) through their primary;
   * none: this process only.
   */
  socketAdapter: 'postgres' | 'redis' | 'cluster' | 'none';
  /** Worker processes on one port (1: this process serves alone). */
  webConcurrency: number;
  /** Redis for SOCKET_ADAPTER=redis. */
  redisUrl: string;
  /** The prefix of the Redis channels of this deployment (several may share one Redis). */
  redisKey: string;
  /** Sustained socket events a second per socket; bursts to twice as many. */
  socketEventsPerSecond: number;
  /** Sustained events and REST changes a second per user, all sockets and HTTP together; bursts to twice as many. */
  userEventsPerSecond: number;
  maxTasksPerList: number;
  /** Live comments on one task (MAX_COMMENTS_PER_TASK). */
  maxCommentsPerTask: number;
  maxListsPerUser: number;
  maxMembersPerList: number;
  maxSocketsPerUser: number;
  /** `list:share` calls per user per minute. */
  shareRateLimit: number;
  /** Failed logins per account and address per 15 minutes; ten times as many per account over all addresses. */
  loginFailureLimit: number;
  /** Express's `trust proxy`: whose X-Forwarded-For to believe (false: the TCP peer is the client). */
  trustProxy: boolean | number | string;
  /** How long a socket's token version check is cached (logout-all clears it on every node at once). */
  sessionRecheckMs: number;
  /** People one user may block. */
  maxBlocksPerUser: number;
  /** Days an activity entry is kept (server/maintenance.ts purges older ones). */
  activityRetentionDays: number;
  /** Days a deleted task can be restored (task:restore); server/maintenance.ts deletes it for good after. */
  trashRetentionDays: number;
  /** Bytes written to a socket and not yet sent above which its next event is refused (`rate_limited`). */
  socketUnsentBytes: number;
  /** Bytes written to a socket and not yet sent (broadcasts included) above which its connection is closed. */
  socketUnsentMaxBytes: number;
  /** Expensive reads (sync pages, task pages) of one user running at once in one process. */
  userReadsAtOnce: number;
  /**
   * How long a connection has to send a whole request, headers and body, before it is closed (through
   * a WEB_CONCURRENCY primary: its first bytes to the primary, then the rest to a worker).
   */
  requestTimeoutMs: number;
  /** Connections (Engine.IO sessions) not yet authenticated, from one client address at once. */
  maxAnonymousPerAddress: number;
  /** Connections not yet authenticated, from all addresses together, in this process at once. */
  maxAnonymous: number;
  /** Password hashes (bcrypt, on libuv's thread pool) computed at once by this process. */
  passwordHashConcurrency: number;
  /** Password checks waiting for a hashing slot; past it, register and login answer `unavailable`. */
  passwordHashQueue: number;
  /** Lists one socket may be present in at once (presence:join). */
  maxPresenceListsPerSocket: number;
  /** A node not heard for this long is taken as dead and its presence entries dropped; nodes beat every third of it. */
  presenceNodeTtlMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const duration = Joi.string()
  .pattern(/^\d+(ms|s|m|h|d)?$/)
  .message('"{{#label}}" must be a number of seconds or like 15m, 1h, 7d');
const production = { is: 'production', then: Joi.required() } as const;

/** The environment once validated: defaults applied, numbers converted. */
interface Env {
  NODE_ENV: Config['env'];
  PORT: number;
  HOST: string;
  DATABASE_URL: string;
  JWT_SECRET?: string;
  JWT_EXPIRES_IN: string;
  BCRYPT_ROUNDS: number;
  CORS_ORIGINS: string;
  DB_POOL_MAX: number;
  LOG_LEVEL: string;
  DATA_DIR: string;
  AUTH_RATE_LIMIT: number;
  SOCKET_ADAPTER?: Config['socketAdapter'];
  WEB_CONCURRENCY: string;
  REDIS_URL: string;
  REDIS_KEY: string;
  SOCKET_EVENTS_PER_SECOND: number;
  USER_EVENTS_PER_SECOND: number;
  MAX_TASKS_PER_LIST: number;
  MAX_COMMENTS_PER_TASK: number;
  MAX_LISTS_PER_USER: number;
  MAX_MEMBERS_PER_LIST: number;
  MAX_SOCKETS_PER_USER: number;
  SHARE_RATE_LIMIT: number;
  LOGIN_FAILURE_LIMIT: number;
  TRUST_PROXY: string;
  SESSION_RECHECK_MS: number;
  MAX_BLOCKS_PER_USER: number;
  ACTIVITY_RETENTION_DAYS: number;
  TRASH_RETENTION_DAYS: number;
  SOCKET_UNSENT_BYTES: number;
  SOCKET_UNSENT_MAX_BYTES: number;
  USER_READS_AT_ONCE: number;
  REQUEST_TIMEOUT_MS: number;
  MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS: number;
  MAX_ANONYMOUS_CONNECTIONS: number;
  PASSWORD_HASH_CONCURRENCY: number;
  PASSWORD_HASH_QUEUE: number;
  MAX_PRESENCE_LISTS_PER_SOCKET: number;
  PRESENCE_NODE_TTL_MS: number;
}

const schema = Joi.object<Env>({
  NODE_ENV: Joi.string().valid('development', 'production', 'test').default('development'),
  PORT: Joi.number().port().default(3000),
  HOST: Joi.string().default('0.0.0.0'),
  DATABASE_URL: Joi.string()
    .uri({ scheme: ['postgres', 'postgresql'] })
    .allow('')
    .default(''),
  JWT_SECRET: Joi.string().min(32).when('NODE_ENV', production),
  JWT_EXPIRES_IN: duration.default('1h'),
  BCRYPT_ROUNDS: Joi.number()
    .integer()
    .min(4)
    .max(15)
    .when('NODE_ENV', { is: 'production', then: Joi.number().min(10) })
    .default(12),
  CORS_ORIGINS: Joi.string().allow('').default(''),
  DB_POOL_MAX: Joi.number().integer().min(1).max(1000).default(15),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  DATA_DIR: Joi.string().default('.data'),
  AUTH_RATE_LIMIT: Joi.number().integer().min(1).default(20),
  WEB_CONCURRENCY: Joi.string()
    .pattern(/^(auto|[1-9]\d{0,2})$/)
    .message('"WEB_CONCURRENCY" must be a number of worker processes (1 to 999) or auto (one per core)')
    .default('1'),
  // no default here: loadConfig() chooses one by WEB_CONCURRENCY
  SOCKET_ADAPTER: Joi.string().valid('postgres', 'redis', 'cluster', 'none'),
  REDIS_URL: Joi.string()
    .uri({ scheme: ['redis', 'rediss'] })
    .allow('')
    .default('')
    .when('SOCKET_ADAPTER', { is: 'redis', then: Joi.string().required().invalid('') }),
  REDIS_KEY: Joi.string()
    .pattern(/^[\w:.-]{1,100}$/)
    .default('todo'),
  SOCKET_EVENTS_PER_SECOND: Joi.number().integer().min(1).default(LIMITS.eventsPerSecond),
  USER_EVENTS_PER_SECOND: Joi.number().integer().min(1).default(BOUNDS.userEventsPerSecond),
  MAX_TASKS_PER_LIST: Joi.number().integer().min(1).default(BOUNDS.tasksPerList),
  MAX_COMMENTS_PER_TASK: Joi.number().integer().min(1).default(BOUNDS.commentsPerTask),
  MAX_LISTS_PER_USER: Joi.number().integer().min(1).default(BOUNDS.listsPerUser),
  MAX_MEMBERS_PER_LIST: Joi.number().integer().min(1).default(BOUNDS.membersPerList),
  MAX_SOCKETS_PER_USER: Joi.number().integer().min(1).default(BOUNDS.socketsPerUser),
  SHARE_RATE_LIMIT: Joi.number().integer().min(1).default(BOUNDS.sharesPerMinute),
  LOGIN_FAILURE_LIMIT: Joi.number().integer().min(1).default(BOUNDS.loginFailures),
  TRUST_PROXY: Joi.string()
    .allow('')
    .default('')
    .pattern(/^(true|false|\d+|[\w.:/, -]+)$/)
    .message('"TRUST_PROXY" must be true, false, a hop count, or addresses/subnets such as loopback, 10.0.0.0/8'),
  SESSION_RECHECK_MS: Joi.number().integer().min(0).default(2000),
  // at most the default: blocks:list answers them all in one answer of well under 1 MiB
  MAX_BLOCKS_PER_USER: Joi.number().integer().min(1).max(BOUNDS.blocksPerUser).default(BOUNDS.blocksPerUser),
  ACTIVITY_RETENTION_DAYS: Joi.number().integer().min(1).max(36_500).default(BOUNDS.activityRetentionDays),
  TRASH_RETENTION_DAYS: Joi.number().integer().min(1).max(36_500).default(BOUNDS.trashRetentionDays),
  SOCKET_UNSENT_BYTES: Joi.number().integer().min(1024).default(BOUNDS.socketUnsentBytes),
  SOCKET_UNSENT_MAX_BYTES: Joi.number()
    .integer()
    .greater(Joi.ref('SOCKET_UNSENT_BYTES'))
    .message('"SOCKET_UNSENT_MAX_BYTES" must be greater than SOCKET_UNSENT_BYTES')
    .default(BOUNDS.socketUnsentMaxBytes),
  USER_READS_AT_ONCE: Joi.number().integer().min(1).max(1000).default(BOUNDS.userReadsAtOnce),
  REQUEST_TIMEOUT_MS: Joi.number().integer().min(100).max(300_000).default(10_000),
  MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS: Joi.number().integer().min(1).default(100),
  MAX_ANONYMOUS_CONNECTIONS: Joi.number().integer().min(1).default(5000),
  PASSWORD_HASH_CONCURRENCY: Joi.number().integer().min(1).max(64).default(2),
  PASSWORD_HASH_QUEUE: Joi.number().integer().min(0).default(16),
  MAX_PRESENCE_LISTS_PER_SOCKET: Joi.number().integer().min(1).max(1000).default(BOUNDS.presenceListsPerSocket),
  PRESENCE_NODE_TTL_MS: Joi.number().integer().min(300).max(600_000).default(PRESENCE.nodeTtlMs),
}).unknown(true);

/**
 * Validates `env` and returns the configuration. Throws ConfigError naming every problem.
 * In development without JWT_SECRET, a secret is generated once and kept in DATA_DIR.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, warn: (msg: string) => void = () => {}): Config {
  const result = schema.validate(env, { abortEarly: false, convert: true });
  if (result.error) throw new ConfigError(result.error.details.map((d) => d.message));
  const { value } = result;
  const dataDir = path.resolve(projectRoot, value.DATA_DIR); // like .env: relative to the project, not the cwd
  let jwtSecret: string | undefined = value.JWT_SECRET;
  if (!jwtSecret) {
    jwtSecret = persistentSecret(dataDir);
    warn(
      `JWT_SECRET is not set: using a generated secret kept in ${path.join(dataDir, 'jwt-secret')}; set JWT_SECRET in production`,
    );
  }
  if (value.TRUST_PROXY === 'true') {
    warn(
      "TRUST_PROXY=true believes any X-Forwarded-For: safe only when clients cannot reach the server but through the proxy; prefer a hop count or the proxy's addresses",
    );
  }
  const webConcurrency = value.WEB_CONCURRENCY === 'auto' ? os.availableParallelism() : Number(value.WEB_CONCURRENCY);
  // the workers of one machine relay over IPC unless told otherwise (several machines need postgres or redis)
  const socketAdapter = value.SOCKET_ADAPTER ?? (webConcurrency > 1 ? 'cluster' : 'postgres');
  if (socketAdapter === 'cluster' && webConcurrency === 1)
    throw new ConfigError(['"SOCKET_ADAPTER" cluster needs WEB_CONCURRENCY above 1']);
  const origins = value.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  return {
    env: value.NODE_ENV,
    port: value.PORT,
    host: value.HOST,
    databaseUrl: value.DATABASE_URL,
    jwtSecret,
    jwtExpiresIn: durationSeconds(value.JWT_EXPIRES_IN),
    bcryptRounds: value.BCRYPT_ROUNDS,
    corsOrigins: origins.includes('*') ? '*' : origins,
    dbPoolMax: value.DB_POOL_MAX,
    logLevel: value.LOG_LEVEL,
    dataDir,
    authRateLimit: value.AUTH_RATE_LIMIT,
    socketAdapter,
    webConcurrency,
    redisUrl: value.REDIS_URL,
    redisKey: value.REDIS_KEY,
    socketEventsPerSecond: value.SOCKET_EVENTS_PER_SECOND,
    userEventsPerSecond: value.USER_EVENTS_PER_SECOND,
    maxTasksPerList: value.MAX_TASKS_PER_LIST,
    maxCommentsPerTask: value.MAX_COMMENTS_PER_TASK,
    maxListsPerUser: value.MAX_LISTS_PER_USER,
    maxMembersPerList: value.MAX_MEMBERS_PER_LIST,
    maxSocketsPerUser: value.MAX_SOCKETS_PER_USER,
    shareRateLimit: value.SHARE_RATE_LIMIT,
    loginFailureLimit: value.LOGIN_FAILURE_LIMIT,
    trustProxy: trustProxy(value.TRUST_PROXY),
    sessionRecheckMs: value.SESSION_RECHECK_MS,
    maxBlocksPerUser: value.MAX_BLOCKS_PER_USER,
    activityRetentionDays: value.ACTIVITY_RETENTION_DAYS,
    trashRetentionDays: value.TRASH_RETENTION_DAYS,
    socketUnsentBytes: value.SOCKET_UNSENT_BYTES,
    socketUnsentMaxBytes: value.SOCKET_UNSENT_MAX_BYTES,
    userReadsAtOnce: value.USER_READS_AT_ONCE,
    requestTimeoutMs: value.REQUEST_TIMEOUT_MS,
    maxAnonymousPerAddress: value.MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS,
    maxAnonymous: value.MAX_ANONYMOUS_CONNECTIONS,
    passwordHashConcurrency: value.PASSWORD_HASH_CONCURRENCY,
    passwordHashQueue: value.PASSWORD_HASH_QUEUE,
    maxPresenceListsPerSocket: value.MAX_PRESENCE_LISTS_PER_SOCKET,
    presenceNodeTtlMs: value.PRESENCE_NODE_TTL_MS,
  };
}

/** TRUST_PROXY as Express takes it: a boolean, a hop count, or a list of addresses and subnets. */
function trustProxy(text: string): boolean | number | string {
  if (text === '' || text === 'false') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) return Number(text);
  return text;
}

/** "90" (seconds, as jsonwebtoken reads a number), or what `ms` reads ("15m", "1h", "7d"), as whole seconds (at least 1). */
function durationSeconds(text: string): number {
  return Math.max(1, Math.round(/^\d+$/.test(text) ? Number(text) : ms(text as ms.StringValue) / 1000));
}

/** A secret generated on first use and kept (mode 600) so that tokens survive restarts. */
function persistentSecret(dataDir: string): string {
  const file = path.join(dataDir, 'jwt-secret');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch {
    /* not there yet */
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = crypto.randomBytes(48).toString('base64url');
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}
