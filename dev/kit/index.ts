/**
 * The kit: what the tests (test/), the bench (bench/) and the chaos run (dev/chaos/) share to run the
 * server and break things around it. One of each:
 *   - a server as its own process (spawnServer, ready once GET /health answers);
 *   - a TCP relay that cuts the network (startTcpProxy: in front of PostgreSQL, Redis or a server);
 *   - the place that makes databases (postgresServer, createDatabase, dropDatabase);
 *   - the project's folder and a free port (from server/core, which the server needs at run time too).
 * It lives in dev/ rather than test/support/ because bench/ and dev/chaos/ use it and take nothing
 * from test/; it may import server/core (infrastructure) and nothing else of server/, so it knows no
 * domain. test/support/ is the tests' own surface on top of it: a server in the test process
 * (startServer, useServer for mocha), the test database, clients that check the contract.
 */
export { freePort } from '../../server/core/free-port';
export { projectRoot } from '../../server/core/paths';
export { createDatabase, dropDatabase, postgresServer, withDatabase, type PostgresServer } from './databases';
export { spawnServer, type SpawnedServer, type SpawnOptions } from './spawn-server';
export { startTcpProxy, type AnswerCut, type TcpProxy } from './tcp-proxy';
