/**
 * The typed client SDK (browser-safe: no Node imports). `createClient({ url, storage })` gives a
 * TodoClient: a live replica of the user's lists and tasks, mutations applied at once and queued
 * until the server answers, token refresh and connection status. docs/client-guide.md shows its use.
 */
export { createClient } from './client';
export { compareTasks } from './view';
export { TodoClientError } from './errors';
export { comparePositions, positionBetween, positionsBetween } from './position';
export { browserStorage, memoryStorage, type ClientStorage } from './storage';
export type {
  ClientError,
  ClientEvents,
  ClientOptions,
  CommentView,
  ConnectionStatus,
  ListView,
  TaskFieldsInput,
  TaskView,
  TodoClient,
} from './types';
export type { TaskPatch } from '../shared/events';
export type { PresenceHandle } from './types';
export type {
  Activity,
  ActivityPage,
  Block,
  Comment,
  CommentDeleted,
  List,
  Member,
  Presence,
  Role,
  Task,
  User,
} from '../shared/types';
