/** Limits of the wire contract, shared by the server's validation and by clients. */
export const LIMITS = {
  emailMax: 254,
  passwordMinBytes: 8,
  passwordMaxBytes: 72,
  userNameMax: 100,
  listNameMax: 200,
  titleMax: 500,
  notesMax: 10_000,
  positionMin: 1,
  positionMax: 255,
  priorityMax: 3,
  /** Bytes of one JSON body or one socket event payload. */
  payloadBytes: 64 * 1024,
  /** Per-socket event rate: sustained events per second (the server's default) and burst size. */
  eventsPerSecond: 50,
  eventBurst: 100,
  /** Entries (`tasks` plus `deleted`) of one `sync` answer. */
  syncEntries: 1000,
  /** Tasks of one GET /api/lists/:listId/tasks page: the default and the most. */
  taskPage: 500,
  /** Entries of one `activity:list` answer (GET /api/lists/:listId/activity): the default and the most. */
  activityPage: 100,
  /** Deleted tasks of one `trash:list` answer (GET /api/lists/:listId/trash): the default and the most. */
  trashPage: 100,
  /** Characters of a comment's body, after trimming. */
  commentMax: 5000,
  /** Users one comment mentions (after duplicates are dropped). */
  mentionsMax: 20,
  /** Comments of one `comments:list` answer (GET /api/tasks/:id/comments): the default and the most. */
  commentPage: 100,
  /** About how many bytes of JSON one answer (a sync or task page) holds before it is paged. */
  answerBytes: 1024 * 1024,
} as const;

/** Per-user bounds of the contract's "Bounds" section: the server's defaults, each configurable. */
export const BOUNDS = {
  /** Live tasks in one list. */
  tasksPerList: 10_000,
  /** Lists a user belongs to, own and shared. */
  listsPerUser: 1000,
  /** Members of one list, the owner included. */
  membersPerList: 100,
  /** Open sockets of one user over all server nodes. */
  socketsPerUser: 50,
  /** Events and REST changes of one user a second, all sockets and HTTP together (bursts to twice as many). */
  userEventsPerSecond: 100,
  /** `list:share` calls of one user a minute. */
  sharesPerMinute: 30,
  /** Failed logins of one account from one address per 15 minutes (ten times as many from all addresses). */
  loginFailures: 10,
  /** People one user blocks (`user:block`); the most allowed, so that `blocks:list` fits one answer. */
  blocksPerUser: 1000,
  /** Bytes written to one socket and not yet sent above which its next event is refused (`rate_limited`). */
  socketUnsentBytes: 1024 * 1024,
  /** Bytes written to one socket and not yet sent, broadcasts included, above which its connection is closed. */
  socketUnsentMaxBytes: 4 * 1024 * 1024,
  /** Days an activity entry is kept (ACTIVITY_RETENTION_DAYS). */
  activityRetentionDays: 90,
  /** Days a deleted task can be restored (TRASH_RETENTION_DAYS); then it is deleted for good. */
  trashRetentionDays: 30,
  /** Expensive reads (`sync` pages, task pages) of one user served at once by one server process. */
  userReadsAtOnce: 2,
  /** Live comments on one task (MAX_COMMENTS_PER_TASK). */
  commentsPerTask: 1000,
  /** Lists one socket may be present in at once (`presence:join`). */
  presenceListsPerSocket: 20,
} as const;

/** Presence (`presence:join`): how often a list's state is sent, and how long a silent node's entries are kept. */
export const PRESENCE = {
  /** At most one `presence:state` a list per this many ms to a socket (about 5 a second); the last state is always sent. */
  stateEveryMs: 200,
  /** A node not heard for this long is taken as dead: its entries are dropped (PRESENCE_NODE_TTL_MS). */
  nodeTtlMs: 30_000,
} as const;
