/**
 * A short chaos run (dev/chaos/; the long one is `npm run chaos`): three server processes on a
 * database of the test server, 30 devices mutating through their outboxes with random disconnects,
 * one node SIGKILLed and restarted, every database connection cut for a while, one COMMIT's answer
 * cut. Afterwards nothing acknowledged is lost or doubled, and every device holds exactly what a
 * fresh sync shows, without a sync forced at the end. With TEST_REDIS_URL, again over the Redis
 * adapter, with Redis's connections cut instead of the node kill, and a change's answer lost together
 * with the database. CHAOS_LOG=1 prints the progress.
 */
import { expect } from 'chai';
import { formatReport, runChaos, type ChaosOptions } from '../dev/chaos';
import { testDb } from './support/database';

function short(adapter: ChaosOptions['adapter']): ChaosOptions {
  return {
    databaseServerUrl: testDb().serverUrl,
    adapter,
    redisUrl: process.env.TEST_REDIS_URL,
    nodes: 3,
    sockets: 30,
    users: 6,
    seconds: 5,
    rate: 40,
    dropsPerSecond: 1,
    // the node kill is the PostgreSQL run's (a restart costs seconds); the Redis run cuts Redis instead,
    // and loses a change's answer together with the database (which does not touch the Redis relay)
    faults: adapter === 'redis' ? ['redis', 'lost', 'commit'] : ['kill', 'db', 'commit'],
    outageMs: 500,
    convergeMs: 20_000,
    log: (line) => {
      if (process.env.CHAOS_LOG) process.stderr.write(`${line}\n`);
    },
  };
}

function expectClean(report: Awaited<ReturnType<typeof runChaos>>, asked: ChaosOptions): void {
  const text = formatReport(report);
  expect(
    report.faults.map((f) => f.kind),
    text,
  ).to.deep.equal(asked.faults);
  expect(report.mutations.acked, text).to.be.greaterThan(50);
  expect(report.checks.problems, text).to.deep.equal([]);
  expect(report.crashes, text).to.deep.equal([]);
  expect(report.checks.lost, text).to.equal(0);
  expect(report.checks.duplicated, text).to.equal(0);
  expect(report.checks.divergentDevices, text).to.equal(0);
  // each fault took effect (a node went down, connections were cut, an answer was lost), and after
  // each one every device came to hold a change made then, within the bound
  for (const f of report.faults) {
    expect(f.detail, text).not.to.match(/^0 |nothing to cut/);
    expect(f.convergeMs, text).to.not.equal(null);
  }
  expect(report.ok, text).to.equal(true);
}

describe('a short chaos run', function () {
  this.timeout(120_000);

  it('over the PostgreSQL adapter loses nothing, doubles nothing, and every device ends with the database state', async () => {
    const options = short('postgres');
    expectClean(await runChaos(options), options);
  });

  if (!process.env.TEST_REDIS_URL) process.stdout.write('  (no TEST_REDIS_URL: the Redis chaos run does not run)\n');
  else
    it('over the Redis adapter, with Redis cut and a change lost with the database, as well', async () => {
      const options = short('redis');
      expectClean(await runChaos(options), options);
    });
});
