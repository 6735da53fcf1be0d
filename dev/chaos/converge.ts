/**
 * The chaos run's end: with the faults over and the outboxes drained, without any sync forced, every
 * device must come to hold exactly what a fresh sync of its user shows (lists, every field of every
 * task, the cursors) within `convergeMs` of the drain.
 */
import { isDeepStrictEqual } from 'node:util';
import type { List, SyncResult, Task } from '../../shared/types';
import type { Control } from './options';
import type { Snapshot } from './replica';
import type { Device } from './device';
import type { User } from './setup';
import { ask, plainSocket, retry } from './wire';

/** The whole state a user sees now, by a fresh client: sync without cursors, page by page. */
export async function freshState(url: string, token: string): Promise<Snapshot> {
  const s = await plainSocket(url, token);
  try {
    const lists = new Map<string, List>();
    const tasks = new Map<string, Task>();
    let cursors: Record<string, number> = {};
    for (let page = 0; page < 1000; page++) {
      const r: SyncResult = await ask(s, 'sync', page === 0 ? {} : { cursors });
      for (const l of r.lists) lists.set(l.id, l);
      for (const t of r.tasks) tasks.set(t.id, t);
      for (const d of r.deleted) if (tasks.get(d.id)?.listId === d.listId) tasks.delete(d.id);
      cursors = r.cursors;
      if (!r.more) break;
    }
    return {
      lists: Object.fromEntries([...lists.values()].map((l) => [l.id, l.name])),
      tasks: Object.fromEntries([...tasks.values()].map((t) => [t.id, t])),
      cursors,
    };
  } finally {
    s.close();
  }
}

/** How two snapshots differ, in a few words (empty when equal). */
function differences(held: Snapshot, truth: Snapshot): string[] {
  const out: string[] = [];
  for (const id of new Set([...Object.keys(held.lists), ...Object.keys(truth.lists)]))
    if (held.lists[id] !== truth.lists[id])
      out.push(`list ${id}: held ${held.lists[id] ?? 'nothing'}, database ${truth.lists[id] ?? 'nothing'}`);
  for (const id of new Set([...Object.keys(held.cursors), ...Object.keys(truth.cursors)]))
    if (held.cursors[id] !== truth.cursors[id])
      out.push(`cursor of ${id}: held ${held.cursors[id] ?? 'none'}, database ${truth.cursors[id] ?? 'none'}`);
  for (const id of new Set([...Object.keys(held.tasks), ...Object.keys(truth.tasks)])) {
    const [a, b] = [held.tasks[id] as Task | undefined, truth.tasks[id] as Task | undefined];
    if (!isDeepStrictEqual(a, b))
      out.push(
        `task ${id} (list ${(a ?? b)!.listId}): held ${a ? `v${a.version} seq ${a.seq}` : 'nothing'}, database ${b ? `v${b.version} seq ${b.seq}` : 'nothing'}`,
      );
  }
  return out;
}

export interface Convergence {
  /** Milliseconds from the drain until every device held the database's state; null if never. */
  convergeMs: number | null;
  /** The devices that did not. */
  left: Device[];
}

/** Waits until every device holds what a fresh sync of its user shows; `problems` gets the first ten that do not. */
export async function converge(
  c: Control,
  url0: string,
  users: User[],
  devices: Device[],
  drained: number,
  problems: string[],
): Promise<Convergence> {
  const truth = new Map<string, Snapshot>();
  for (let i = 0; i < users.length; i += 10)
    await Promise.all(
      users.slice(i, i + 10).map(async (u) => truth.set(u.id, await retry(() => freshState(url0, u.token)))),
    );
  const divergent = () => devices.filter((d) => !d.settled || !isDeepStrictEqual(d.snapshot(), truth.get(d.userId)));
  let convergeMs: number | null = null;
  const convergeUntil = drained + c.o.convergeMs;
  for (;;) {
    if (divergent().length === 0) {
      convergeMs = Date.now() - drained;
      break;
    }
    if (Date.now() > convergeUntil || c.aborted()) break;
    await c.nap(100);
  }
  const left = divergent();
  for (const d of left.slice(0, 10)) {
    const diff = differences(d.snapshot(), truth.get(d.userId)!);
    problems.push(
      `divergent: device ${d.index} (user ${d.userId}, ${d.connected ? 'connected' : 'offline'}${d.settled ? '' : ', not settled'}): ${diff.slice(0, 4).join('; ') || 'same data'}${diff.length > 4 ? `; and ${diff.length - 4} more` : ''}`,
    );
  }
  c.log(
    `chaos ${c.elapsed().toFixed(0)} s: ${left.length === 0 ? `every device holds the database's state (${String(convergeMs)} ms after the drain)` : `${left.length} devices diverge`}`,
  );
  return { convergeMs, left };
}
