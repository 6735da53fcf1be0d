/**
 * Real answers checked against the API documents: the test kit runs every HTTP answer (request()),
 * every ack (call(), ok()) and every server event a test socket receives through these, so a shape
 * change without a change of the documents fails the test that saw it. The documents are the ones the
 * server serves (/openapi.json, /asyncapi.json), built once per run; each schema is compiled by ajv on
 * first use.
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { asyncApiDocument, openApiDocument } from '../../server/docs/documents';
import { HANDSHAKE_ERRORS, messageKey } from '../../server/docs/asyncapi';

type Json = Record<string, unknown>;

/** A difference between an answer and the documents. */
export class ContractMismatch extends Error {
  constructor(what: string, problem: string, value: unknown) {
    const shown = JSON.stringify(value) as string | undefined;
    super(
      `${what} does not match the API documents: ${problem}\n  answered: ${shown === undefined ? 'nothing' : shown.slice(0, 600)}`,
    );
    this.name = 'ContractMismatch';
  }
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  operation: Json;
}

interface Checker {
  ajv: Ajv2020;
  routes: Route[];
  operations: Record<string, Json>;
  compiled: Map<string, ValidateFunction>;
  /** The OpenAPI document's components.headers. */
  headers: Record<string, Json>;
}

let checker: Checker | undefined;

/**
 * How many answers were checked, by kind, and the milliseconds spent checking (loading the documents and
 * compiling included); CONTRACT_STATS=1 prints them when the process exits.
 */
export const contractStats = { http: 0, acks: 0, events: 0, connectErrors: 0, ms: 0 };
if (process.env.CONTRACT_STATS === '1')
  process.on('exit', () => {
    process.stderr.write(`contract checks: ${JSON.stringify(contractStats)}\n`);
  });

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

function load(): Checker {
  if (checker) return checker;
  const start = performance.now();
  const openapi = openApiDocument();
  const asyncapi = asyncApiDocument();
  // the first problem is enough to fail; the documents themselves are validated by their parsers (test/docs)
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateSchema: false });
  addFormats(ajv);
  // the documents as schemas of their own: a pointer into one compiles that part, its $refs resolved in it
  ajv.addSchema(openapi, 'openapi.json');
  ajv.addSchema(asyncapi, 'asyncapi.json');
  const routes: Route[] = [];
  for (const [template, methods] of Object.entries(openapi.paths as Record<string, Record<string, Json>>))
    for (const [method, operation] of Object.entries(methods))
      routes.push({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`),
        operation,
      });
  const headers = ((openapi.components as Json | undefined)?.headers ?? {}) as Record<string, Json>;
  checker = { ajv, routes, operations: asyncapi.operations as Record<string, Json>, compiled: new Map(), headers };
  contractStats.ms += performance.now() - start;
  return checker;
}

function validatorAt(ref: string): ValidateFunction {
  const c = load();
  let validate = c.compiled.get(ref);
  if (!validate) {
    validate = c.ajv.getSchema(ref);
    if (!validate) throw new Error(`no schema at ${ref}`);
    c.compiled.set(ref, validate);
  }
  return validate;
}

function check(what: string, ref: string, value: unknown): void {
  const start = performance.now();
  const validate = validatorAt(ref);
  const valid = validate(value);
  contractStats.ms += performance.now() - start;
  if (valid) return;
  const problems = (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  throw new ContractMismatch(what, problems.join('; '), value);
}

/** The documented operation of `method path` (OpenAPI), if any. */
export function routeOf(method: string, path: string): Route | undefined {
  const bare = path.split('?')[0];
  return load().routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(bare));
}

/**
 * Checks one HTTP answer against the OpenAPI document: the route's operation must document the status,
 * the body must match that response's schema (or be empty for a response without content), and every
 * header the response documents as required (`Retry-After` on a 429) must be there, an integer header
 * a whole number within its schema. A path no route documents must answer the error body (no such
 * route, or a request refused before routing); pages outside the API (the web app) are not checked.
 */
export function checkHttp(
  method: string,
  path: string,
  res: { status: number; contentType: string | null; text: string; body: unknown; headers?: Headers },
): void {
  const upper = method.toUpperCase();
  if (upper === 'OPTIONS' || upper === 'HEAD') return; // CORS preflights and HEADs carry no documented body
  contractStats.http++;
  const what = `${upper} ${path} ${res.status}`;
  const route = routeOf(upper, path);
  const json = res.contentType?.startsWith('application/json') ?? false;
  if (!route) {
    if (!json) return; // not an API route: the web app's pages and files (and its 503 page before a build)
    check(what, 'openapi.json#/components/schemas/ErrorBody', res.body);
    return;
  }
  const responses = route.operation.responses as Record<string, Json>;
  const response = responses[String(res.status)] as Json | undefined;
  if (!response)
    throw new ContractMismatch(what, `status ${res.status} is not documented for ${upper} ${route.template}`, res.body);
  if (res.headers) checkHeaders(what, response, res.headers);
  const content = response.content as Record<string, Json> | undefined;
  if (!content) {
    if (res.text !== '') throw new ContractMismatch(what, 'a body where the document says none', res.text);
    return;
  }
  const type = Object.keys(content).find((t) => res.contentType?.startsWith(t));
  if (!type)
    throw new ContractMismatch(
      what,
      `content type ${String(res.contentType)} is not ${Object.keys(content).join(' or ')}`,
      res.text,
    );
  if (type !== 'application/json') return;
  check(
    what,
    `openapi.json#/${pointer('paths', route.template, method.toLowerCase(), 'responses', String(res.status), 'content', type, 'schema')}`,
    res.body,
  );
}

/** The response's documented headers that are required: each present, an integer one a whole number in its bounds. */
function checkHeaders(what: string, response: Json, headers: Headers): void {
  const c = load();
  for (const [name, entry] of Object.entries((response.headers ?? {}) as Record<string, Json>)) {
    const ref = entry.$ref as string | undefined;
    const header = ref ? (c.headers[ref.split('/').pop() ?? ''] ?? {}) : entry;
    if (header.required !== true) continue;
    const value = headers.get(name);
    if (value === null) throw new ContractMismatch(what, `no ${name} header, which the document requires`, null);
    const schema = (header.schema ?? {}) as { type?: string; minimum?: number };
    if (schema.type === 'integer' && !(/^\d+$/.test(value) && Number(value) >= (schema.minimum ?? 0)))
      throw new ContractMismatch(
        what,
        `the ${name} header is not a whole number of at least ${schema.minimum ?? 0}`,
        value,
      );
  }
}

/** Checks the ack of a client event against its documented replies (AsyncAPI), or the unknown event's ack. */
export function checkAck(event: string, ack: unknown): void {
  const operation = load().operations[messageKey(event)] as Json | undefined;
  const documented = (operation?.['x-socketio'] as { event?: string } | undefined)?.event === event;
  const ok = (ack as { ok?: unknown } | null)?.ok === true;
  contractStats.acks++;
  const key = documented ? `${messageKey(event)}.${ok ? 'ok' : 'error'}` : 'unknown.error';
  check(`the ack of ${event}`, `asyncapi.json#/${pointer('components', 'messages', key, 'payload')}`, ack);
}

/** Checks a server event's payload against its documented message (AsyncAPI). */
export function checkEvent(event: string, payload: unknown): void {
  contractStats.events++;
  const operation = load().operations[messageKey(event)] as Json | undefined;
  if (operation?.action !== 'send' || (operation['x-socketio'] as { event?: string }).event !== event)
    throw new ContractMismatch(`the event ${event}`, 'no such server event is documented', payload);
  check(
    `the event ${event}`,
    `asyncapi.json#/${pointer('components', 'messages', messageKey(event), 'payload')}`,
    payload,
  );
}

/** Checks a refused handshake's message (a server's connect_error) against the documented ones. */
export function checkConnectError(message: string): void {
  contractStats.connectErrors++;
  if (!Object.hasOwn(HANDSHAKE_ERRORS, message))
    throw new ContractMismatch('a connect_error', `"${message}" is not a documented handshake message`, message);
}
