/**
 * What the AsyncAPI document (asyncapi.ts) says of each event beyond its schema: who may send a client
 * event and the error codes of its ack, whom a server event is sent to, the handshake's refusals.
 */
import type { ClientEventName, ServerEventName } from '../../shared/events';
import { BOUNDS, LIMITS } from '../../shared/limits';
import type { ErrorCode } from '../../shared/types';
import type { ClientEventDoc } from './doc-types';
import { ASSIGNEE, COLLAB_EVENTS, MERGE, STALE_UPDATE } from './collab';
import { PEOPLE_EVENTS } from './people';
import { PRESENCE_EVENTS, PRESENCE_STATE } from './presence';
import { TRASH_EVENTS } from './trash';
import { COMMENT_EVENTS, commentServerEvents } from './comments';

/** The codes any event may be answered: the wrapper's checks and the server's own faults. */
export const ANY_EVENT_ERRORS: Partial<Record<ErrorCode, string>> = {
  rate_limited:
    `The socket sent over about ${LIMITS.eventsPerSecond} events a second, the user\u2019s event budget is spent, ` +
    `or the socket has not read what it was sent (over SOCKET_UNSENT_BYTES, ${BOUNDS.socketUnsentBytes / 1024 / 1024} MiB, not sent yet: message ` +
    '"This connection has answers it has not read yet\u2026")',
  payload_too_large: `A payload over ${LIMITS.payloadBytes / 1024} KiB`,
  validation_error:
    'The payload fails the event\u2019s schema, nests over 16 levels, or more than one payload was sent',
  unauthorized:
    'The user logged out everywhere, or the socket\u2019s token was logged out: the socket is answered, then disconnected',
  unavailable: 'The database cannot be reached',
  internal: 'A fault of the server',
};

const MUTATION_REUSED = 'a `mutationId` used for another event';

export const CLIENT_EVENTS: Record<ClientEventName, ClientEventDoc> = {
  'list:create': {
    summary: 'Create a list',
    who: 'anyone',
    description:
      'Ack `{list}` (role owner, seq 0). Broadcast `list:created` to the creator\u2019s other sockets. A repeat with ' +
      'the same `mutationId`, or with the `id` of a list the caller created, answers the list as it is now.',
    errors: {
      conflict: `\`id\` is a list of another user, or ${MUTATION_REUSED}`,
      limit_exceeded: 'The user is in MAX_LISTS_PER_USER lists already',
    },
  },
  'list:rename': {
    summary: 'Rename a list',
    who: 'owner, editor',
    description: 'Ack `{list}` with the new seq. Broadcast `list:updated` to every member (each with their own role).',
    errors: {
      not_found: 'No such list, or the caller is not a member',
      forbidden: 'The caller is a viewer',
      conflict: MUTATION_REUSED,
    },
  },
  'list:delete': {
    summary: 'Delete a list',
    who: 'owner',
    description:
      'Ack `{id}`. The list, its tasks and memberships are deleted. Broadcast `list:deleted` to every member, the owner\u2019s other sockets included.',
    errors: {
      not_found: 'No such list, or the caller is not a member',
      forbidden: 'The caller is not the owner',
      conflict: MUTATION_REUSED,
    },
  },
  'list:share': {
    summary: 'Add a member, or change a member\u2019s role',
    who: 'owner',
    description:
      'Ack `{member, seq}`. A new member\u2019s sockets get `list:created` first; then every member, the new one ' +
      'included, gets `member:added`. Sharing with someone who is a member already changes their role: every ' +
      'member but the sender (the changed one included) gets `member:updated {member, seq}`. Activity: ' +
      'member.added, or member.updated with `changes: {role: [old, new]}`.',
    errors: {
      not_found:
        'No such list, the caller is not a member, or no user has this email (or that user blocks the caller: the same answer)',
      forbidden: 'The caller is not the owner, or the email is the owner\u2019s own (their role cannot change)',
      conflict: 'The user already has this role',
      validation_error: 'A bad payload',
      limit_exceeded:
        'The list has MAX_MEMBERS_PER_LIST members, or the user shared with is in MAX_LISTS_PER_USER lists',
      rate_limited: 'Over SHARE_RATE_LIMIT shares a minute, or the event rates',
    },
  },
  'list:unshare': {
    summary: 'Remove a member, or leave',
    who: 'owner; any member for themselves',
    description:
      'Ack `{listId, userId, seq}`. Every member, the removed one included, gets `member:removed`; afterwards ' +
      'the removed user\u2019s sockets get nothing of that list. Then each live task of the list assigned to the ' +
      'removed user is unassigned, each a `task:updated` with its own seq (`updatedBy`: the caller), sent to every ' +
      'member who stays, the sending socket included (the ack does not carry them).',
    errors: {
      not_found: 'No such list, the caller is not a member, or `userId` is not a member',
      forbidden: 'The owner leaving their own list, or a non-owner removing someone else',
    },
  },
  'list:members': {
    summary: 'The members of a list',
    who: 'members',
    description: 'Ack `{members}`, owner first. Not a change: no seq, no broadcast.',
    errors: { not_found: 'No such list, or the caller is not a member' },
  },
  'task:create': {
    summary: 'Create a task',
    who: 'owner, editor',
    description:
      'Ack `{task}` (version 1). Broadcast `task:created`. A repeat with the same `mutationId`, or with the `id` ' +
      `of a task the caller created, answers the task as it is now. ${ASSIGNEE}`,
    errors: {
      validation_error: '`assigneeId` is not a member of the list, or a bad payload',
      not_found: 'No such list, or the caller is not a member',
      forbidden: 'The caller is a viewer',
      conflict: `\`id\` is a task of another user or the caller\u2019s task deleted since, or ${MUTATION_REUSED}`,
      limit_exceeded: 'The list holds MAX_TASKS_PER_LIST live tasks',
    },
  },
  'task:update': {
    summary: 'Change or move a task',
    who: 'owner, editor (of both lists when moving)',
    description:
      'Ack `{task}`, for a move `{task, from}`. Broadcast `task:updated`; a move is `task:deleted` in the old ' +
      `list and \`task:created\` in the new one. ${MERGE} ${ASSIGNEE}`,
    errors: {
      validation_error: '`assigneeId` is not a member of the (target) list, an empty patch, or a bad payload',
      not_found: 'The task, or the target list, does not exist or is not visible',
      forbidden: 'The caller is a viewer of either list',
      conflict: `${STALE_UPDATE}, a task moved by someone else meanwhile, or ${MUTATION_REUSED}`,
      limit_exceeded: 'A move into a list that holds MAX_TASKS_PER_LIST live tasks',
    },
  },
  'task:delete': {
    summary: 'Delete a task',
    who: 'owner, editor',
    description:
      'Ack `{id, listId, seq}`. Broadcast `task:deleted` with the same payload. A stale `expectedVersion` is a ' +
      '`conflict` (`details.task`) whatever changed.',
    errors: {
      not_found: 'The task does not exist (or was deleted), or is not visible',
      forbidden: 'The caller is a viewer',
      conflict: `A stale \`expectedVersion\` (\`details.task\`), a task moved by someone else meanwhile, or ${MUTATION_REUSED}`,
    },
  },
  sync: {
    summary: 'Catch up',
    who: 'self',
    description:
      'For a list with a cursor, the tasks changed and the ids deleted since that seq; for a list without, all ' +
      'its live tasks; the same for comments (`comments`: those of live tasks changed since, current state; ' +
      '`deletedComments: [{id, taskId, listId, seq}]`: deleted since). ' +
      `Paged: at most ${LIMITS.syncEntries} entries of \`tasks\`, \`deleted\`, \`comments\` and \`deletedComments\` together and about ` +
      `${LIMITS.answerBytes / 1024 / 1024} MiB; while \`more\` is true, call again with the \`cursors\` answered. ` +
      '`lists` is whole, unless `listsTag` names the lists the client holds and they have not changed since ' +
      '(then `lists` is empty and `listsUnchanged` true); every answer carries the current `listsTag`. ' +
      'An expensive read: it costs the user one event of their budget per 64 KiB of its answer begun plus ' +
      `one per 2 ms the server spent reading it (a full page: 30 or more), and at most USER_READS_AT_ONCE (${BOUNDS.userReadsAtOnce}) of the user\u2019s syncs and task pages are read at once ` +
      '(the others wait).',
    errors: {
      rate_limited:
        `${ANY_EVENT_ERRORS.rate_limited ?? ''}; or USER_READS_AT_ONCE of the user\u2019s reads were running ` +
        'and none ended within 5 s',
    },
  },
  'auth:refresh': {
    summary: 'Push the socket\u2019s expiry back',
    who: 'self',
    description:
      'Payload: a newer valid token of the same user (from `POST /api/auth/refresh`). Ack `{expiresAt}`: the ' +
      'socket\u2019s expiry now, and the socket runs on that token from then on (its log out disconnects the ' +
      'socket). An older or equal token is accepted and changes nothing.',
    errors: { unauthorized: 'An invalid, expired or revoked token, or a token of another user' },
  },
  ...PEOPLE_EVENTS,
  ...PRESENCE_EVENTS,
  ...COLLAB_EVENTS,
  ...TRASH_EVENTS,
  ...COMMENT_EVENTS,
};

export interface ServerEventDoc {
  summary: string;
  /** Who receives it. */
  to: string;
}

const ALL_BUT_CAUSE = 'the sockets of every member of the list, on every node, except the socket whose event caused it';

export const SERVER_EVENTS: Record<ServerEventName, ServerEventDoc> = {
  'task:created': {
    summary: 'A task was created, moved into a list, or restored from the trash (task:restore)',
    to: `${ALL_BUT_CAUSE} (for a move: the new list)`,
  },
  'task:updated': {
    summary: 'A task changed (or was unassigned because its assignee left the list)',
    to: `${ALL_BUT_CAUSE}; an unassignment after a removal goes to every member who stays, the remover\u2019s sending socket included`,
  },
  'task:deleted': {
    summary: 'A task was deleted, or moved out of a list',
    to: `${ALL_BUT_CAUSE} (for a move: the old list)`,
  },
  'list:created': {
    summary: 'A list appeared for the user',
    to: 'list:create: the creator\u2019s other sockets (seq 0). list:share: the new member\u2019s sockets, before member:added',
  },
  'list:updated': { summary: 'A list was renamed', to: `${ALL_BUT_CAUSE}, each with their own role` },
  'list:deleted': {
    summary: 'A list was deleted (no seq)',
    to: 'every member\u2019s sockets, the owner\u2019s other sockets included',
  },
  'member:added': {
    summary: 'A member was added',
    to: `${ALL_BUT_CAUSE}, the new member included`,
  },
  'member:updated': {
    summary: 'A member\u2019s role changed (list:share to a member)',
    to: `${ALL_BUT_CAUSE}, the changed member included`,
  },
  'member:removed': {
    summary: 'A member was removed, or left',
    to: `${ALL_BUT_CAUSE}, the removed member included; afterwards they get nothing of that list`,
  },
  'auth:expired': {
    summary: 'The token expired',
    to: 'the one socket whose token expired, just before the server disconnects it',
  },
  'sync:needed': {
    summary: 'Some changes may not have reached this socket: call sync with the cursors held',
    to: 'every socket on every node, when a node\u2019s relay between nodes is back after it was lost',
  },
  'presence:state': {
    summary: 'Who is present in a list now (not a change: no seq)',
    to: `every socket that joined the list with presence:join and has not left it. ${PRESENCE_STATE}`,
  },
  ...commentServerEvents(ALL_BUT_CAUSE),
};

/** A component key for an event name (`task:create` becomes `task.create`). */
export const messageKey = (event: string): string => event.replace(/:/g, '.');

/** The handshake's connect_error messages and why. */
export const HANDSHAKE_ERRORS: Record<string, string> = {
  unauthorized:
    'A missing, malformed (a subject that is not a user id included), expired or revoked (log out, log out everywhere) token',
  too_many_connections: 'The user has MAX_SOCKETS_PER_USER sockets open over all nodes',
  rate_limited:
    "Past the user's event budget (USER_EVENTS_PER_SECOND): each handshake is one of the user's events (keep the token; connect again a little later)",
  unavailable: 'The database cannot be reached (keep the token; connect again later)',
  internal: 'A fault of the server (keep the token; connect again later)',
};

export const codeList = (errors: Partial<Record<ErrorCode, string>>): string =>
  (Object.keys(errors) as ErrorCode[]).map((code) => `- \`${code}\`: ${errors[code] ?? ''}`).join('\n');
