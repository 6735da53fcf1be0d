/**
 * The chaos run (`npm run chaos`, bench/chaos.ts; a short one in test/chaos.test.ts): server nodes
 * as separate processes on one fresh database, devices doing random mutations through an outbox
 * (device.ts) with random disconnects, and faults made on purpose:
 *   - kill:   a node killed with SIGKILL, restarted on its port a moment later;
 *   - db:     every database connection of every node cut, new ones refused for a while
 *             (the nodes' DATABASE_URL goes through a TCP proxy, dev/kit/tcp-proxy.ts);
 *   - commit: the answer of the next COMMIT of a transaction that records a mutation id (a list
 *             change) cut after the COMMIT went through;
 *   - answer: the answer of the next task function call (one statement, its own transaction) cut;
 *   - lost:   the canary's own task change: its answer cut, and at that moment every database
 *             connection cut and new ones refused for a while, so that the server cannot read
 *             whether it committed (it did); its retry is then answered from the mutation record;
 *   - redis:  every Redis connection cut and refused for a while (SOCKET_ADAPTER=redis only).
 * Then, with the faults over and the outboxes drained, without any sync forced: every device must
 * hold exactly what a fresh sync of its user shows, and every acknowledged mutation must be in the
 * database exactly once. Loopback only; every wait is bounded.
 *
 * One file a phase, in the order they run:
 *   options.ts   what the run is asked to do, and its control (log, clock, stop)
 *   nodes.ts     the database, its proxies, the server nodes as processes
 *   setup.ts     users, shared lists, the canary list, each list's starting seq, the devices
 *   device.ts    one device: connection, sync, outbox (replica.ts: what it holds, how events change it)
 *   workload.ts  the ledger of mutations, random mutations, drops and shares
 *   faults.ts    the faults, and each one's catch-up time
 *   audit.ts     the oracle: the database against every acknowledged mutation
 *   converge.ts  every device against a fresh sync of its user
 *   report.ts    the report, and its lines for a person
 */
import { audit } from './audit';
import { converge } from './converge';
import type { Device } from './device';
import { Faults } from './faults';
import { createCluster, startNodes } from './nodes';
import { checkOptions, control, type ChaosOptions, type Control } from './options';
import { newCounters } from './replica';
import { buildReport, type ChaosReport } from './report';
import { setUp, startDevices, type Fleet } from './setup';
import { Ledger, startLoad } from './workload';

export { DEFAULTS, FAULT_KINDS, defaultFaults, type ChaosOptions, type FaultKind } from './options';
export { formatReport, type ChaosReport, type FaultRecord } from './report';
export type { DeviceCounters } from './replica';

/** After the load: waits (bounded) until every outbox is empty. */
async function drain(c: Control, fleet: Fleet): Promise<void> {
  const drainUntil = Date.now() + 60_000;
  while (
    !c.aborted() &&
    Date.now() < drainUntil &&
    (fleet.devices.some((d) => d.outbox.length > 0) || fleet.canary.outbox.length > 0)
  )
    await c.nap(50);
}

/** Runs the chaos run; resolves with what it did and what it found (never throws for a finding). */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const o = options;
  checkOptions(o);
  const cluster = await createCluster(o);
  const { nodes } = cluster;
  const devices: Device[] = [];
  const others: Device[] = []; // the canary
  const intervals: NodeJS.Timeout[] = [];
  const counters = newCounters();
  const c = control(o);
  const { log, elapsed } = c;

  try {
    log(
      `chaos: ${o.nodes} nodes (${o.adapter} adapter), ${o.sockets} sockets over ${o.users} users, ${o.seconds} s, faults ${o.faults.join(', ') || 'none'}`,
    );
    await startNodes(nodes);
    log(`chaos: nodes up on ports ${nodes.map((n) => n.port).join(', ')} (${elapsed().toFixed(1)} s)`);
    const url0 = nodes[0].url;

    const world = await setUp(c, url0, cluster.db.url);
    const ledger = new Ledger(world.members, world.removed);
    const nodeUrls = nodes.map((n) => n.url);
    const fleet = await startDevices(c, world, nodeUrls, counters, ledger.answered, { devices, others });

    const faults = new Faults(c, cluster, fleet, ledger, world.canaryList.id);
    const load = startLoad(c, world, fleet, ledger, counters, () => faults.done.length, intervals);
    await faults.run(Date.now());
    c.stillOn();
    load.stop();
    log(`chaos ${elapsed().toFixed(0)} s: load stopped; draining the outboxes`);

    await drain(c, fleet);
    const drained = Date.now();
    load.stopProgress();
    c.stillOn();
    const mutations = ledger.mutations;
    const unanswered = mutations.filter((m) => !m.answer);
    log(`chaos ${elapsed().toFixed(0)} s: outboxes drained (${unanswered.length} unanswered); reading the database`);

    const found = await audit(cluster.db.url, mutations, unanswered, world.startSeqs);
    const convergence = await converge(c, url0, world.users, devices, drained, found.problems);
    return buildReport(o, {
      devices,
      users: world.users.length,
      lists: world.listCount,
      mutations,
      faults: faults.done,
      counters,
      randomDrops: load.randomDrops,
      audit: found,
      convergence,
      crashes: cluster.crashes,
      nodes,
    });
  } finally {
    for (const t of intervals) clearInterval(t);
    for (const d of [...devices, ...others]) d.stop();
    await cluster.close();
  }
}
