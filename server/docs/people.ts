/**
 * The documents' part for share spam: blocking a person and leaving every list they own at once, as
 * socket events (asyncapi.ts) and as HTTP routes (openapi.ts). Types only are imported from those two
 * files, which take these entries in.
 */
import type { ErrorCode } from '../../shared/types';
import { httpBodySchemas } from '../../shared/responses';
import { listsLeaveSchema, restUnblockSchema, userBlockSchema } from '../../shared/schemas';
import type { ClientEventDoc, RouteDoc } from './doc-types';
import * as ex from './examples';

type PeopleEvent = 'user:block' | 'user:unblock' | 'blocks:list' | 'lists:leave';
type Errors = Partial<Record<ErrorCode, string>>;

const MUTATION_REUSED = 'a `mutationId` used for another event';
const AS_UNKNOWN =
  'Their later `list:share` to the blocker is answered exactly as one to an email with no account (`not_found`, ' +
  '`"No user has this email"`), role changes of a list the blocker is in included, so a block cannot be told ' +
  'from a missing account. Blocking removes no membership by itself.';
const LEAVE =
  'Each list is left exactly as by `list:unshare` of oneself: it takes its next seq, and every member of it, ' +
  'the leaver\u2019s other sockets included, gets `member:removed {listId, userId, seq}`; afterwards the ' +
  'leaver\u2019s sockets get nothing of it. All in one transaction, at most MAX_LISTS_PER_USER lists (a user ' +
  'is in no more).';

const BLOCK_ERRORS: Errors = {
  not_found: 'No user has this id',
  validation_error: 'The caller\u2019s own id, or a bad payload',
  limit_exceeded: 'The caller blocks MAX_BLOCKS_PER_USER people already (a repeat of a block is not a new one)',
  conflict: MUTATION_REUSED,
};
const UNBLOCK_ERRORS: Errors = { not_found: 'The caller does not block this user', conflict: MUTATION_REUSED };
const LEAVE_ERRORS: Errors = {
  forbidden: '`ownerId` is the caller: an owner deletes their lists instead',
  conflict: MUTATION_REUSED,
};

/** The socket events (CLIENT_EVENTS of asyncapi.ts). */
export const PEOPLE_EVENTS: Record<PeopleEvent, ClientEventDoc> = {
  'user:block': {
    summary: 'Block a person',
    who: 'anyone',
    description:
      `Ack \`{block, listIds}\`. ${AS_UNKNOWN} With \`leave: true\`, also leaves every list the person owns, ` +
      `as \`lists:leave\` (\`listIds\`: the lists left, else empty). ${LEAVE} A repeat answers the block as it ` +
      'is (and leaves what there is to leave). No server event tells the blocker\u2019s other devices of the ' +
      'block: read `blocks:list`.',
    errors: BLOCK_ERRORS,
  },
  'user:unblock': {
    summary: 'Lift a block',
    who: 'self',
    description: 'Ack `{userId}`. The person\u2019s shares reach the user again from now on.',
    errors: UNBLOCK_ERRORS,
  },
  'blocks:list': {
    summary: 'The people the user blocks',
    who: 'self',
    description:
      'Ack `{blocks}`, oldest block first: all of them in one answer (at most MAX_BLOCKS_PER_USER, 1,000 at ' +
      'most). Not a change: no seq, no broadcast.',
    errors: {},
  },
  'lists:leave': {
    summary: 'Leave every list a person owns',
    who: 'any member, for themselves',
    description: `Ack \`{listIds}\`: the lists left (empty when there were none). ${LEAVE}`,
    errors: LEAVE_ERRORS,
  },
};

/** The path parameter `{userId}` of the block routes. */
export const USER_ID_PARAM = {
  name: 'userId',
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
  example: ex.ids.bob,
};

/** The HTTP routes (ROUTES of openapi.ts), given the error sets every authenticated read and change may answer. */
export function peopleRoutes({ bearer, change }: { bearer: Errors; change: Errors }): RouteDoc[] {
  return [
    {
      method: 'get',
      path: '/api/blocks',
      operationId: 'getBlocks',
      tag: 'blocks',
      summary: 'The people the caller blocks',
      description: 'The socket event `blocks:list`: every block, oldest first, in one answer.',
      bearer: true,
      ok: [{ status: 200, description: 'The blocks', schema: httpBodySchemas.blocks, example: { blocks: [ex.block] } }],
      errors: bearer,
    },
    {
      method: 'post',
      path: '/api/blocks',
      operationId: 'blockUser',
      tag: 'blocks',
      summary: 'Block a person',
      description: `The socket event \`user:block\`. ${AS_UNKNOWN} With \`leave: true\`, also leaves every list the person owns (\`listIds\`). A repeat answers the block as it is.`,
      bearer: true,
      body: { schema: userBlockSchema, example: ex.payloadExamples['user:block'], required: true },
      ok: [
        {
          status: 201,
          description: 'The block, and the lists left',
          schema: httpBodySchemas.block,
          example: ex.ackExamples['user:block'],
        },
      ],
      errors: { ...change, ...BLOCK_ERRORS, conflict: 'The `mutationId` was used for another event' },
    },
    {
      method: 'delete',
      path: '/api/blocks/{userId}',
      operationId: 'unblockUser',
      tag: 'blocks',
      summary: 'Lift a block',
      description: 'The socket event `user:unblock`. Optional body `{mutationId?}`.',
      bearer: true,
      body: { schema: restUnblockSchema, example: {}, required: false },
      ok: [{ status: 204, description: 'Lifted; no body' }],
      errors: {
        ...change,
        not_found: 'The id is not a UUID, or the caller does not block this user',
        conflict: 'The `mutationId` was used for another event',
      },
    },
    {
      method: 'post',
      path: '/api/lists/leave',
      operationId: 'leaveLists',
      tag: 'lists',
      summary: 'Leave every list a person owns',
      description: `The socket event \`lists:leave\`. ${LEAVE}`,
      bearer: true,
      body: { schema: listsLeaveSchema, example: ex.payloadExamples['lists:leave'], required: true },
      ok: [
        {
          status: 200,
          description: 'The lists left (empty when there were none)',
          schema: httpBodySchemas.listsLeft,
          example: ex.ackExamples['lists:leave'],
        },
      ],
      errors: { ...change, ...LEAVE_ERRORS, conflict: 'The `mutationId` was used for another event' },
    },
  ];
}
