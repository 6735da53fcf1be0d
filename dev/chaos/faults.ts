/**
 * The chaos run's faults, one after another over the load (see dev/chaos/index.ts for what each
 * does), and after each the time until every device holds a change made after it: the canary's.
 */
import { randomUUID } from 'node:crypto';
import type { Task } from '../../shared/types';
import type { Mutation } from './device';
import type { Cluster } from './nodes';
import type { Control, FaultKind } from './options';
import type { FaultRecord } from './report';
import type { Fleet } from './setup';
import type { Ledger } from './workload';
import { bump, short } from './wire';

export class Faults {
  /** What each fault did, in order. */
  readonly done: FaultRecord[] = [];
  private killed = 0;

  constructor(
    private readonly c: Control,
    private readonly cluster: Cluster,
    private readonly fleet: Fleet,
    private readonly ledger: Ledger,
    private readonly canaryListId: string,
  ) {}

  /** The faults of the options, spread over the run, the first after a tenth of it; then the end of the load time. */
  async run(loadStart: number): Promise<void> {
    const { o, nap, aborted } = this.c;
    const span = o.seconds * 1000;
    for (let i = 0; i < o.faults.length; i++) {
      const due = loadStart + span * (0.1 + (0.8 * i) / Math.max(1, o.faults.length));
      if (due > Date.now()) await nap(due - Date.now());
      if (aborted()) break;
      await this.fault(o.faults[i]);
      if (aborted()) break;
    }
    const end = loadStart + span;
    if (end > Date.now()) await nap(end - Date.now());
  }

  private canaryChange(title = `canary-${short()}`): Mutation {
    return this.ledger.queue(this.fleet.canary, 'task:create', {
      listId: this.canaryListId,
      id: randomUUID(),
      title,
      mutationId: randomUUID(),
    });
  }

  /**
   * After a fault: the time until every device holds a change of the canary's (made now, or the
   * one the fault was about), from `since`.
   */
  private async converge(since: number, m = this.canaryChange()): Promise<{ ms: number | null; ackMs: number | null }> {
    const { o, nap, aborted, log } = this.c;
    const { devices, canary } = this.fleet;
    const canaryListId = this.canaryListId;
    const deadline = since + o.convergeMs;
    while (!m.answer && !aborted() && Date.now() < deadline) await nap(20);
    if (!m.answer?.ok) return { ms: null, ackMs: null };
    const ackMs = m.answeredAt! - since;
    const { seq } = (m.answer as { data: { task: Task } }).data.task;
    const behind = () => devices.filter((d) => (d.cursors[canaryListId] ?? -1) < seq);
    // how the devices learnt of it: its event (live) or a sync
    const how = () => {
      const live = devices.filter((d) => d.watched.has(seq));
      const byNode: Record<string, number> = {};
      for (const d of devices) if (!d.watched.has(seq)) bump(byNode, `node ${d.nodeIndex}`);
      return `${live.length} got its event${
        live.length < devices.length
          ? `; without it: ${Object.entries(byNode)
              .map(([k, v]) => `${v} on ${k}`)
              .join(', ')} (the canary on node ${canary.nodeIndex})`
          : ''
      }`;
    };
    while (!aborted() && Date.now() < deadline) {
      if (behind().length === 0) {
        if (Date.now() - since > 0) log(`chaos: the canary's seq ${seq}: ${how()}`);
        return { ms: Date.now() - since, ackMs };
      }
      await nap(20);
    }
    log(`chaos: the canary's seq ${seq}: ${how()}`);
    const late = behind();
    log(
      `chaos: ${late.length} devices without the canary's seq ${seq}:\n${late
        .slice(0, 8)
        .map((d) => `  ${d.describe(canaryListId)}`)
        .join('\n')}`,
    );
    return { ms: null, ackMs };
  }

  private async fault(kind: FaultKind): Promise<void> {
    const { o, nap, log, elapsed } = this.c;
    const { nodes, dbProxy, redisProxy } = this.cluster;
    const at = elapsed();
    let detail: string;
    let victim: Mutation | undefined;
    switch (kind) {
      case 'kill': {
        const node = nodes[this.killed++ % nodes.length];
        const online = this.fleet.devices.filter((d) => d.connected).length;
        await node.kill();
        await nap(o.outageMs);
        await node.start();
        detail = `node ${node.index} SIGKILLed (${online} devices connected over all nodes), restarted`;
        break;
      }
      case 'db': {
        const cut = dbProxy.down();
        await nap(o.outageMs);
        dbProxy.up();
        detail = `${cut} database connections cut, refused for ${o.outageMs} ms`;
        break;
      }
      case 'redis': {
        const cut = redisProxy?.down() ?? 0;
        await nap(o.outageMs);
        redisProxy?.up();
        detail = `${cut} Redis connections cut, refused for ${o.outageMs} ms`;
        break;
      }
      case 'lost':
        ({ detail, victim } = await this.lost());
        break;
      case 'commit':
      case 'answer':
        detail = await this.cutAnswer(kind);
        break;
    }
    const { ms, ackMs } = await this.converge(Date.now(), victim);
    this.done.push({ kind, at: +at.toFixed(1), detail, convergeMs: ms, canaryAckMs: ackMs });
    log(
      `chaos ${elapsed().toFixed(0)} s: fault ${kind}: ${detail}; devices caught up in ${ms ?? `more than ${o.convergeMs}`} ms (canary acked in ${ackMs ?? '-'} ms)`,
    );
  }

  /** lost: the canary's own change, its answer cut and every database connection with it, refused for a while. */
  private async lost(): Promise<{ detail: string; victim: Mutation }> {
    const { o, nap, aborted } = this.c;
    const { dbProxy } = this.cluster;
    const title = `canary-lost-${short()}`;
    const before = dbProxy.answersCut;
    const disarm = dbProxy.cutAnswer({ markers: [title, 'COMMIT'], once: true, thenDown: true });
    const victim = this.canaryChange(title);
    const until = Date.now() + 10_000;
    while (dbProxy.answersCut === before && !aborted() && Date.now() < until) await nap(5);
    disarm();
    const cut = dbProxy.answersCut > before;
    if (cut) await nap(o.outageMs);
    dbProxy.up();
    const detail = cut
      ? `the answer of a canary task:create cut, every database connection with it, refused for ${o.outageMs} ms`
      : 'nothing to cut within 10 s';
    return { detail, victim };
  }

  /** commit, answer: the answer of the next COMMIT of a change, or of a task's write, cut. */
  private async cutAnswer(kind: 'commit' | 'answer'): Promise<string> {
    const { nap, aborted } = this.c;
    const { dbProxy } = this.cluster;
    const before = dbProxy.answersCut;
    // a change's COMMIT (after its mutation record), or a task's write inside its transaction
    const markers = kind === 'commit' ? ['INSERT INTO mutations', 'COMMIT'] : ['UPDATE "tasks"'];
    const disarm = dbProxy.cutAnswer({ markers, once: true });
    const until = Date.now() + 10_000;
    while (dbProxy.answersCut === before && !aborted() && Date.now() < until) await nap(10);
    disarm();
    return dbProxy.answersCut > before
      ? `the answer of ${kind === 'commit' ? "a change's COMMIT" : "a task's write"} cut`
      : 'nothing to cut within 10 s';
  }
}
