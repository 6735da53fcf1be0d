/** What the OpenAPI routes (openapi-*.ts) share: the error codes every route of a kind may answer, parameters, headers. */
import { LIMITS } from '../../shared/limits';
import * as ex from './examples';
import type { Errors } from './doc-types';
import type { JsonSchema } from './schemas';

/** Every request may be malformed or too large, and every route may fail on the server's side. */
export const ANY: Errors = {
  validation_error:
    'A malformed request: JSON that does not parse, bad percent-encoding in the path, objects nested over 16 levels',
  payload_too_large: `A body over ${LIMITS.payloadBytes / 1024} KiB`,
  internal: 'A fault of the server (never carries a stack trace or SQL)',
};
export const DB: Errors = { ...ANY, unavailable: 'The database cannot be reached' };
export const BEARER: Errors = {
  ...DB,
  unauthorized:
    'A missing, malformed (a subject that is not a user id included), expired or revoked (log out, log out everywhere) token',
};
export const CHANGE: Errors = {
  ...BEARER,
  rate_limited: 'The user\u2019s event budget (socket events and REST changes together) is spent for now',
};
export const UUID_PARAM = { type: 'string', format: 'uuid' };
/** Register's and login's 503: the database, or password hashing full (server/auth/passwords.ts). */
export const HASHING_BUSY =
  'The database cannot be reached, or too many passwords are being checked at once (PASSWORD_HASH_CONCURRENCY running, PASSWORD_HASH_QUEUE waiting): answered at once, with `Retry-After: 1`';

/** The device cookie a sign-in sets (server/auth/devices.ts). */
export const DEVICE_COOKIE_HEADER = {
  'Set-Cookie': {
    description:
      '`todo_device=<value>; Max-Age=31536000; Path=/api/auth; HttpOnly; SameSite=Strict` (and `Secure` over ' +
      'HTTPS): the device cookie. A login that presents it, for the same account, is a known device: its failed ' +
      'logins are counted for that device alone, and the account\u2019s lockout (which a stranger can trigger) ' +
      'does not hold it. A browser keeps and sends it by itself; another client sends it back as a ' +
      '`Cookie: todo_device=<value>` header with its logins.',
    schema: { type: 'string' },
  },
};
export const DEVICE_COOKIE_PARAM = {
  name: 'todo_device',
  in: 'cookie',
  required: false,
  description:
    'The device cookie of an earlier register or login of this account (see the `Set-Cookie` of the 200). ' +
    'Not needed to log in; without a valid one, the attempt is counted for the address and the account.',
  schema: { type: 'string' },
};
export const LISTS_ETAG: JsonSchema = {
  description: 'The tag of the caller\u2019s lists, quoted: `"` + the `listsTag` of `sync` + `"`',
  schema: { type: 'string', pattern: '^"[0-9a-f]{64}"$' },
};

export const listId = { name: 'listId', in: 'path', required: true, schema: UUID_PARAM, example: ex.ids.list };
export const taskId = { name: 'id', in: 'path', required: true, schema: UUID_PARAM, example: ex.ids.task };

/** Gives a property of an object schema a description of its own (the converted joi schema has none). */
export function describeProp(schema: JsonSchema, prop: string, description: string): void {
  const props = schema.properties as Record<string, JsonSchema>;
  props[prop] = { ...props[prop], description };
}
