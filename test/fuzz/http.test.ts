/**
 * Property-based fuzzing of the wire contract (shared CONTRACT.md) over HTTP, with fast-check: random
 * and hostile requests to every route of a real server (paths, headers, bodies under odd content types
 * and encodings) and to random paths. Every answer is a contract status and `{error}` body, never a
 * 500, a stack or SQL. Then the invariants of test/fuzz/invariants.ts. A failure prints fast-check's
 * seed and shrunk counter-example; FUZZ_SEED and FUZZ_RUNS override the defaults.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { LIMITS } from '../../shared/limits';
import type { TaskPage } from '../../shared/types';
import { charOf, hostile } from './arbitraries';
import { expectContractHttp, short } from './checks';
import { fuzzParams, HTTP_RUNS, useFuzz } from './fixture';
import { afterTheFuzz } from './invariants';
import { httpBody, type HttpBody } from './payloads';
import { HTTP_ROUTES, query, routes, segment, send } from './routes';

describe('fuzz: hostile requests to every route', function () {
  this.timeout(60_000);
  const fx = useFuzz();

  for (const name of HTTP_ROUTES) {
    it(`${name}: any request gets a contract status and {error} body, never a 500, a stack or SQL`, async () => {
      const route = routes(fx)[name];
      const req = fc.record({
        path: route.path,
        auth: route.auth,
        body: route.body ? httpBody(route.body) : fc.constant<HttpBody>({}),
      });
      await fc.assert(
        fc.asyncProperty(req, async ({ path, auth, body }) => {
          const what = `${route.method} ${short(path, 200)} auth=${short(auth, 60)} type=${String(body.type)} encoding=${String(body.encoding)} body=${short(body.text)}`;
          const res = await send(fx.server, route.method, path, auth, body);
          fx.tally(name, res.status);
          expectContractHttp(res, what, route.ok);
          if (res.status === 201 && name.endsWith('register'))
            expect(JSON.stringify(res.body), what).to.not.match(/password|hash/i);
          if (res.status === 200 && name === 'GET /api/lists/:listId/tasks') {
            const limit = /[?&]limit=(\d+)(&|$)/.exec(path)?.[1];
            const page = res.body as Record<keyof TaskPage, unknown>; // checked here, field by field
            expect(page.tasks, what).to.be.an('array');
            expect((page.tasks as unknown[]).length, what).to.be.at.most(
              Math.min(LIMITS.taskPage, limit && !/[?&]limit=.*[?&]limit=/.test(path) ? Number(limit) : Infinity),
            );
            expect(page.seq, what).to.be.a('number');
            expect(
              page.next === null || typeof page.next === 'string',
              `${what}: next must be a cursor or null`,
            ).to.equal(true);
          }
        }),
        fuzzParams({ numRuns: HTTP_RUNS }),
      );
    });
  }

  it('random paths and methods with odd percent-encoding get a contract status, never a 500', async () => {
    const path = fc
      .tuple(
        fc.array(
          fc.oneof(
            {
              weight: 3,
              arbitrary: fc.constantFrom(
                'api',
                'lists',
                'tasks',
                'auth',
                'me',
                'refresh',
                'login',
                'register',
                'health',
                'ready',
                '',
              ),
            },
            { weight: 3, arbitrary: segment([...fx.pools.lists, ...fx.pools.tasks]) },
            {
              weight: 1,
              arbitrary: fc.string({ unit: charOf(0x21, 0x7e), maxLength: 12 }).map((s) => s.replace(/[#?/\\]/g, '')),
            },
          ),
          { minLength: 1, maxLength: 5 },
        ),
        query,
      )
      .map(([segments, q]) => `/${segments.join('/')}${q}`);
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE');
    // the wanderer's token: a path that happens to be /api/auth/logout-all costs nobody else anything
    await fc.assert(
      fc.asyncProperty(
        method,
        path,
        fc.option(fc.constant(`Bearer ${fx.wanderer.token}`)),
        httpBody(hostile),
        async (m, p, auth, body) => {
          const res = await send(fx.server, m, p, auth ?? undefined, body);
          fx.tally('random paths', res.status);
          expectContractHttp(
            res,
            `${m} ${short(p, 200)} type=${String(body.type)} encoding=${String(body.encoding)} body=${short(body.text)}`,
          );
        },
      ),
      fuzzParams({ numRuns: HTTP_RUNS * 2 }),
    );
  });

  afterTheFuzz(fx);
});
