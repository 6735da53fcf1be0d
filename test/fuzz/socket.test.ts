/**
 * Property-based fuzzing of the wire contract (shared CONTRACT.md) over Socket.IO, with fast-check:
 * random and hostile payloads to every socket event of a real server, real clients and a real
 * database. Every event gets exactly one contract ack (never `internal`, never a stack or SQL), the
 * server closes no socket, and what it accepts is within the limits and read back as acknowledged.
 * Then the invariants of test/fuzz/invariants.ts. A failure prints fast-check's seed and shrunk
 * counter-example; FUZZ_SEED and FUZZ_RUNS (runs per socket event) override the defaults.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { ClientEvent, type ClientEventName } from '../../shared/events';
import type { List, Task, TaskPage } from '../../shared/types';
import { request } from '../support/server';
import { boundaryString, field, hostile, isoDate, oddDate, validName, validPosition } from './arbitraries';
import { expectContractAck, jsonBytes, short } from './checks';
import { fuzzParams, outcomeOf, RUNS, useFuzz, type Fuzz } from './fixture';
import { fuzzSocket } from './fuzz-socket';
import { afterTheFuzz } from './invariants';
import { eventPayloads, rawJsonText } from './payloads';

/** Socket payloads stay under the server's read buffer (64 KiB + 8 KiB): larger may close the socket, as the contract allows. */
const MAX_SOCKET_JSON = 71_000;
const RESERVED_EVENTS = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'];
const SOCKET_ORDER: ClientEventName[] = [
  ClientEvent.ListCreate,
  ClientEvent.ListRename,
  ClientEvent.ListMembers,
  ClientEvent.ListShare,
  ClientEvent.TaskCreate,
  ClientEvent.TaskUpdate,
  ClientEvent.Sync,
  ClientEvent.AuthRefresh,
  ClientEvent.TaskDelete,
  ClientEvent.ListUnshare,
  ClientEvent.ListDelete,
  ClientEvent.UserBlock,
  ClientEvent.UserUnblock,
  ClientEvent.BlocksList,
  ClientEvent.ListsLeave,
];

/** Every event, its shaped payloads (valid, one field bad, mixed, anything): one contract ack each. */
function everyEvent(fx: Fuzz): void {
  for (const event of SOCKET_ORDER) {
    it(`${event}: any payload gets exactly one contract ack, never internal, and accepted data is within the limits`, async () => {
      const fuzz = fuzzSocket(fx.device, fx.alice.token);
      const payload = eventPayloads(fx.pools)[event].filter((p) => jsonBytes(p) <= MAX_SOCKET_JSON);
      await fc.assert(
        fc.asyncProperty(payload, async (p) => {
          const ack = await fuzz.emit(event, p);
          fx.tally(event, outcomeOf(ack));
          expectContractAck(ack, `${event} ${short(p)}`);
        }),
        fuzzParams(),
      );
      await fuzz.verify();
    });
  }
}

/** Unknown event names, no payload or several, raw JSON: still one contract ack each. */
function oddEvents(fx: Fuzz): void {
  it('an unknown event name with any payload is answered not_found exactly once', async () => {
    const known = new Set<string>([...Object.values(ClientEvent), ...RESERVED_EVENTS]);
    const name = fc
      .oneof(
        fc.constantFrom(
          'task:crate',
          'TASK:CREATE',
          'task:create ',
          ' sync',
          '__proto__',
          'constructor',
          'toString',
          'hasOwnProperty',
          'valueOf',
          'task:created',
          'list:deleted',
          'auth:expired',
          'sync:needed',
          'error',
          'ping',
          '*',
          '',
          'x'.repeat(10_000),
          'é\u0000\ud800',
        ),
        fc.string({ unit: 'binary', maxLength: 60 }),
      )
      .filter((n) => !known.has(n));
    const fuzz = fuzzSocket(fx.device, fx.alice.token);
    await fc.assert(
      fc.asyncProperty(
        name,
        hostile.filter((p) => jsonBytes(p) <= 40_000),
        async (event, p) => {
          const ack = await fuzz.emit(event, p);
          expectContractAck(ack, `${short(event, 80)} ${short(p)}`);
          expect((ack as { error?: { code: string } }).error?.code, short(ack)).to.equal('not_found');
        },
      ),
      fuzzParams(),
    );
    await fuzz.verify();
  });

  it('an event with no payload or several arguments before its ack is still answered exactly once', async () => {
    const fuzz = fuzzSocket(fx.device, fx.alice.token);
    const payloads = eventPayloads(fx.pools);
    const args = fc.constantFrom(...SOCKET_ORDER).chain((event) =>
      fc.tuple(
        fc.constant(event),
        fc
          .oneof(fc.constant([]), fc.array(payloads[event], { minLength: 2, maxLength: 3 }))
          .filter((a) => jsonBytes(a) <= MAX_SOCKET_JSON),
      ),
    );
    await fc.assert(
      fc.asyncProperty(args, async ([event, list]) => {
        expectContractAck(await fuzz.emit(event, ...list), `${event} with ${list.length} arguments ${short(list)}`);
      }),
      fuzzParams({ numRuns: Math.ceil(RUNS / 3) }),
    );
    await fuzz.verify();
  });

  it('raw JSON no client library writes (deep nesting, duplicate and __proto__ keys, 1e999) gets one contract ack', async () => {
    const fuzz = fuzzSocket(fx.device, fx.alice.token);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SOCKET_ORDER), rawJsonText(fx.pools), async (event, text) => {
        const ack = await fuzz.raw(event, text);
        fx.tally('raw', outcomeOf(ack));
        expectContractAck(ack, `${event} raw ${short(text, 200)}`);
      }),
      fuzzParams({ numRuns: Math.ceil(RUNS / 2) }),
    );
    await fuzz.verify();
  });
}

/** What an accepted create acknowledges is what is read back. */
function readback(fx: Fuzz): void {
  it('what an accepted task:create or list:create acknowledges is exactly what is read back', async () => {
    const fuzz = fuzzSocket(fx.device, fx.alice.token);
    const taskCase = fc
      .record(
        {
          title: field(validName, boundaryString),
          notes: field(fc.string({ maxLength: 40 }), boundaryString),
          dueAt: field(isoDate('2000-01-01', '2100-01-01'), oddDate),
          priority: field(fc.integer({ min: 0, max: 3 })),
          position: field(validPosition, boundaryString),
        },
        { requiredKeys: ['title'] },
      )
      .map((fields) => ({ event: 'task:create' as const, payload: { ...fields, listId: fx.readbackList } }));
    const listCase = field(validName, boundaryString).map((name) => ({
      event: 'list:create' as const,
      payload: { name },
    }));
    const cases = fc
      .oneof({ weight: 3, arbitrary: taskCase }, { weight: 1, arbitrary: listCase })
      .filter((c) => jsonBytes(c) <= MAX_SOCKET_JSON);
    await fc.assert(
      fc.asyncProperty(cases, async ({ event, payload }) => {
        const ack = (await fuzz.emit(event, payload)) as { ok: boolean; data: { task?: Task; list?: List } };
        fx.tally('readback', outcomeOf(ack));
        expectContractAck(ack, `${event} ${short(payload)}`);
        if (!ack.ok) return;
        if (ack.data.task) {
          const page = await request<TaskPage>(fx.server, 'GET', `/api/lists/${fx.readbackList}/tasks?limit=500`, {
            token: fx.alice.token,
          });
          const stored = page.body.tasks.find((t) => t.id === ack.data.task!.id);
          expect(stored, `sent ${short(payload)}, acknowledged ${short(ack.data.task)}`).to.deep.equal(ack.data.task);
        } else {
          const lists = (await request<{ lists: List[] }>(fx.server, 'GET', '/api/lists', { token: fx.alice.token }))
            .body.lists;
          expect(
            lists.find((l) => l.id === ack.data.list!.id),
            `sent ${short(payload)}`,
          ).to.deep.equal(ack.data.list);
        }
      }),
      fuzzParams({ numRuns: Math.ceil(RUNS / 2) }),
    );
    await fuzz.verify();
  });
}

describe('fuzz: hostile payloads to every socket event', function () {
  this.timeout(60_000);
  const fx = useFuzz();
  everyEvent(fx);
  oddEvents(fx);
  readback(fx);
  afterTheFuzz(fx);
});
