/** Limits of the wire contract, shared by the server's validation and by clients. */
export const LIMITS = {
  emailMax: 254,
  passwordMinBytes: 8,
  passwordMaxBytes: 72,
  userNameMax: 100,
  listNameMax: 200,
  titleMax: 500,
  notesMax: 10_000,
  positionMax: 200,
  priorityMax: 3,
  membersPerList: 100,
  /** Bytes of one JSON body or one socket event payload. */
  payloadBytes: 64 * 1024,
  /** Per-socket event rate: sustained events per second (the server's default) and burst size. */
  eventsPerSecond: 50,
  eventBurst: 100,
} as const;
