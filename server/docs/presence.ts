/**
 * The documents' part for presence (who is looking at a list, and at which task): its socket events
 * for asyncapi.ts. Not stored, no seq, no REST mirror.
 */
import { BOUNDS, PRESENCE } from '../../shared/limits';
import type { ClientEventDoc } from './doc-types';

type PresenceEvent = 'presence:join' | 'presence:leave';

/** What every joined socket is sent, and when: the description of `presence:state` too. */
export const PRESENCE_STATE =
  'Every socket that joined the list (`presence:join`), on every node, the joining socket included, gets ' +
  '`presence:state {listId, present}` whenever the set of present users or a `taskId` changes (a `since` ' +
  `too): at most one a list every ${PRESENCE.stateEveryMs} ms (about 5 a second) to a socket, and the ` +
  'last state is always sent (changes in between are folded into it). Not a change: no seq, not in `sync`.';

const RULES =
  'A user is present while at least one of their sockets has joined the list; `present` holds one entry per ' +
  'user however many of their devices joined, over every server node, ordered by `since` (then `userId`). ' +
  'A user\u2019s `taskId` is the one of their latest join (on any device); `since` is the earliest join of ' +
  'their devices present now. A socket leaves on `presence:leave`, on disconnect (the others are sent the ' +
  'new state at once; within 5 s at most), when its user stops being a member (`member:removed`; the removed ' +
  'user\u2019s sockets get no more state of that list) or the list is deleted; a server node that dies takes ' +
  'its sockets\u2019 entries with it within PRESENCE_NODE_TTL_MS (30 s). Nothing is kept across a reconnect: ' +
  'a client joins again after it reconnected.';

/** The socket events (CLIENT_EVENTS of asyncapi.ts). */
export const PRESENCE_EVENTS: Record<PresenceEvent, ClientEventDoc> = {
  'presence:join': {
    summary: 'Be present in a list, looking at a task or none',
    who: 'any member (viewers too)',
    description:
      'Ack `{present}`: everyone present now, the caller included. A later join on the same socket moves ' +
      `its \`taskId\` (\`null\` or absent: none). ${RULES} ${PRESENCE_STATE} A socket is present in at most ` +
      `MAX_PRESENCE_LISTS_PER_SOCKET (${BOUNDS.presenceListsPerSocket}) lists at once. Each join is one of the ` +
      'user\u2019s events (their budget).',
    errors: {
      not_found: 'No such list, the caller is not a member, or `taskId` is not a live task of the list',
      limit_exceeded: 'The socket is present in MAX_PRESENCE_LISTS_PER_SOCKET other lists already',
    },
  },
  'presence:leave': {
    summary: 'Stop being present in a list (this socket)',
    who: 'self',
    description:
      'Ack `{}`, also when the socket had not joined the list (or the caller is not a member). The user stays ' +
      'present while another of their sockets is; the others get the new `presence:state`, this socket no more.',
    errors: {},
  },
};
