/**
 * What a chaos run reports: what it did (mutations by event and answer, retries, connects, syncs by
 * cause, each fault with its catch-up time, the nodes' warnings) and what it found; and the report as
 * lines for a person.
 */
import type { Device, Mutation } from './device';
import type { Audit } from './audit';
import type { Convergence } from './converge';
import type { Node } from './nodes';
import type { ChaosOptions, FaultKind } from './options';
import type { DeviceCounters } from './replica';
import { addCounters, bump } from './wire';

export interface FaultRecord {
  kind: FaultKind;
  /** Seconds into the run. */
  at: number;
  /** What was hit (a node, connections cut). */
  detail: string;
  /** Milliseconds from the end of the fault until every device held a change made after it; null if not within convergeMs. */
  convergeMs: number | null;
  /** Milliseconds until that change (the canary's) was acknowledged. */
  canaryAckMs: number | null;
}

export interface ChaosReport {
  adapter: string;
  nodes: number;
  sockets: number;
  users: number;
  lists: number;
  seconds: number;
  mutations: {
    queued: number;
    acked: number;
    refused: Record<string, number>;
    unanswered: number;
    attempts: number;
    attemptsWithoutAnswer: number;
    retriedAnswers: Record<string, number>;
    byEvent: Record<string, number>;
  };
  faults: FaultRecord[];
  faultsByKind: Record<string, number>;
  counters: DeviceCounters;
  randomDrops: number;
  checks: {
    createdChecked: number;
    tasksVersionChecked: number;
    listsSeqChecked: number;
    seqsOwned: number;
    lost: number;
    duplicated: number;
    divergentDevices: number;
    problems: string[];
  };
  /** Milliseconds from the drained outboxes until every device held the database's state; null if never. */
  convergeMs: number | null;
  /** Nodes that exited without being killed. */
  crashes: string[];
  /** The nodes' warnings and errors, by message (all nodes together; at least, as read from each node's last output). */
  nodeWarnings: Record<string, number>;
  /** The first stack seen of each, for the errors and unhandled rejections. */
  nodeStacks: Record<string, string>;
  ok: boolean;
}

/** What the run did and found, gathered into the report. */
export interface Findings {
  devices: Device[];
  users: number;
  lists: number;
  mutations: Mutation[];
  faults: FaultRecord[];
  counters: DeviceCounters;
  randomDrops: number;
  audit: Audit;
  convergence: Convergence;
  crashes: string[];
  nodes: Node[];
}

export function buildReport(o: ChaosOptions, f: Findings): ChaosReport {
  const { mutations, faults, audit: a } = f;
  const { lost, duplicated, unanswered } = a;
  const left = f.convergence.left;
  const refused: Record<string, number> = {};
  const retried: Record<string, number> = {};
  const byEvent: Record<string, number> = {};
  for (const m of mutations) {
    bump(byEvent, m.event);
    addCounters(retried, m.retried);
    if (m.answer && !m.answer.ok) bump(refused, m.answer.error.code);
  }
  const faultsByKind: Record<string, number> = {};
  for (const r of faults) bump(faultsByKind, r.kind);
  const report: ChaosReport = {
    adapter: o.adapter,
    nodes: o.nodes,
    sockets: f.devices.length,
    users: f.users,
    lists: f.lists,
    seconds: o.seconds,
    mutations: {
      queued: mutations.length,
      acked: a.acked.length,
      refused,
      unanswered: unanswered.length,
      attempts: mutations.reduce((s, m) => s + m.attempts, 0),
      attemptsWithoutAnswer: mutations.reduce((s, m) => s + m.unanswered, 0),
      retriedAnswers: retried,
      byEvent,
    },
    faults,
    faultsByKind,
    counters: f.counters,
    randomDrops: f.randomDrops,
    checks: {
      createdChecked: a.createdChecked,
      tasksVersionChecked: a.tasksVersionChecked,
      listsSeqChecked: a.listsSeqChecked,
      seqsOwned: a.seqsOwned,
      lost,
      duplicated,
      divergentDevices: left.length,
      problems: a.problems,
    },
    convergeMs: f.convergence.convergeMs,
    crashes: f.crashes,
    nodeWarnings: Object.fromEntries(
      Object.entries(
        f.nodes.reduce<Record<string, number>>((all, node) => {
          addCounters(all, node.warnings);
          return all;
        }, {}),
      ).sort((x, y) => y[1] - x[1]),
    ),
    nodeStacks: Object.assign({}, ...f.nodes.map((node) => node.stacks)) as Record<string, string>,
    ok: lost === 0 && duplicated === 0 && left.length === 0 && unanswered.length === 0 && f.crashes.length === 0,
  };
  return report;
}

/** The report as lines for a person. */
export function formatReport(r: ChaosReport): string {
  const kv = (rec: Record<string, number>) =>
    Object.entries(rec)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  const lines = [
    `chaos run: ${r.nodes} nodes, ${r.adapter} adapter, ${r.sockets} sockets, ${r.users} users, ${r.lists} lists, ${r.seconds} s`,
    `mutations: ${r.mutations.queued} queued, ${r.mutations.acked} acked, refused: ${kv(r.mutations.refused)}, never answered ${r.mutations.unanswered}`,
    `  by event: ${kv(r.mutations.byEvent)}`,
    `  ${r.mutations.attempts} attempts, ${r.mutations.attemptsWithoutAnswer} without an answer (sent again), answers to try again: ${kv(r.mutations.retriedAnswers)}`,
    `connections: ${r.counters.connects} connects, ${r.randomDrops} random drops, disconnects: ${kv(r.counters.disconnects)}; connect errors: ${kv(r.counters.connectErrors)}`,
    `syncs: ${r.counters.syncs} (${r.counters.syncPages} pages): on connect ${r.counters.syncsOnConnect}, after a seq jump ${r.counters.syncsOnGap}, on sync:needed ${r.counters.syncsOnNeeded}, for a new list ${r.counters.syncsOnNewList}; failed: ${kv(r.counters.syncFailures)}`,
    `events: ${r.counters.eventsApplied} applied, ${r.counters.eventsIgnored} ignored (seq at or below the cursor); sync:needed received ${r.counters.syncNeededReceived}`,
    `faults: ${kv(r.faultsByKind)}`,
    ...r.faults.map(
      (f) =>
        `  ${String(f.at).padStart(6)} s  ${f.kind.padEnd(6)}  ${f.detail}; every device caught up ${f.convergeMs === null ? 'NOT within the bound' : `in ${f.convergeMs} ms`} (a change made after it acked in ${f.canaryAckMs ?? '-'} ms)`,
    ),
    `checked: ${r.checks.createdChecked} acked creates, ${r.checks.tasksVersionChecked} live tasks' versions, ${r.checks.listsSeqChecked} lists' seqs (${r.checks.seqsOwned} changes acked)`,
    `lost ${r.checks.lost}, duplicated ${r.checks.duplicated}, divergent devices ${r.checks.divergentDevices} of ${r.sockets}; converged ${r.convergeMs === null ? 'NOT within the bound' : `${r.convergeMs} ms after the outboxes drained`}`,
    `the nodes' warnings: ${Object.keys(r.nodeWarnings).length === 0 ? 'none' : ''}`,
    ...Object.entries(r.nodeWarnings)
      .slice(0, 12)
      .map(([what, count]) => `  ${String(count).padStart(6)}  ${what}`),
    ...Object.entries(r.nodeStacks)
      .filter(([what]) => /unhandled|uncaught|internal/i.test(what))
      .map(([what, stack]) => `  first stack of "${what}":\n    ${stack.split('\n').join('\n    ')}`),
    ...r.crashes.map((c) => `crash: ${c}`),
    ...r.checks.problems.slice(0, 30).map((p) => `  ${p}`),
    r.ok ? 'OK' : 'FAILED',
  ];
  return lines.join('\n');
}
