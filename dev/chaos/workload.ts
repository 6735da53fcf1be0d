/**
 * The chaos run's workload: the ledger of every mutation queued (and who is a member of which shared
 * list, as the acks of share and unshare say), random mutations at `rate` a second, random disconnects
 * at `dropsPerSecond`, about one share or unshare every 2 s, and a progress line every 5 s.
 */
import { randomUUID } from 'node:crypto';
import type { AckData, ClientEventName } from '../../shared/events';
import type { Device, Mutation } from './device';
import type { Control } from './options';
import type { DeviceCounters } from './replica';
import type { Fleet, Members, World } from './setup';
import { pick, short, type Payload } from './wire';

/** Every mutation queued, numbered; and the shared lists' members as the acks say. */
export class Ledger {
  readonly mutations: Mutation[] = [];
  private n = 0;

  constructor(
    private readonly members: Members,
    private readonly removed: Members,
  ) {}

  queue<E extends ClientEventName>(d: Device, event: E, payload: Payload<E>): Mutation {
    const m: Mutation = {
      n: this.n++,
      event,
      payload,
      device: d.index,
      attempts: 0,
      unanswered: 0,
      retried: {},
      queuedAt: Date.now(),
    };
    this.mutations.push(m);
    d.enqueue(m);
    return m;
  }

  /** Told of each final answer (DeviceOptions.answered). */
  readonly answered = (m: Mutation): void => {
    if (m.answer?.ok) this.onAcked(m);
  };

  private onAcked(m: Mutation): void {
    const { members, removed } = this;
    if (m.event === 'list:unshare') {
      const { listId, userId } = m.payload as Payload<'list:unshare'>;
      const role = members.get(listId)?.get(userId);
      if (role) {
        members.get(listId)!.delete(userId);
        removed.get(listId)!.set(userId, role);
      }
    }
    if (m.event === 'list:share') {
      const data = (m.answer as { data: AckData<'list:share'> }).data;
      const role = data.member.role as 'editor' | 'viewer';
      removed.get(data.member.listId)?.delete(data.member.userId);
      members.get(data.member.listId)?.set(data.member.userId, role);
    }
  }
}

/** A random change by `d` in one of its lists (never the canary's): a task made, changed, deleted or moved, or a list renamed. */
function propose(ledger: Ledger, d: Device, canaryListId: string): void {
  const lists = d.editableLists().filter((l) => l.id !== canaryListId);
  if (lists.length === 0) return;
  const list = pick(lists);
  const tasks = [...d.tasks.values()].filter((t) => lists.some((l) => l.id === t.listId));
  const r = Math.random();
  if (r < 0.35 || tasks.length < 3) {
    ledger.queue(d, 'task:create', {
      listId: list.id,
      id: randomUUID(),
      title: `t-${short()}`,
      position: `p${Math.floor(Math.random() * 1000)
        .toString()
        .padStart(3, '0')}`,
      priority: Math.floor(Math.random() * 4),
      mutationId: randomUUID(),
    });
    return;
  }
  const task = pick(tasks);
  if (r < 0.72) {
    const patch = pick([
      { title: `t-${short()}` },
      { completed: Math.random() < 0.5 },
      { priority: Math.floor(Math.random() * 4) },
      { notes: `n-${short()}` },
    ]);
    ledger.queue(d, 'task:update', {
      id: task.id,
      patch,
      ...(Math.random() < 0.2 ? { expectedVersion: task.version } : {}),
      mutationId: randomUUID(),
    });
  } else if (r < 0.84) {
    ledger.queue(d, 'task:delete', { id: task.id, mutationId: randomUUID() });
  } else if (r < 0.92) {
    const to = lists.filter((l) => l.id !== task.listId);
    if (to.length === 0) return;
    ledger.queue(d, 'task:update', { id: task.id, patch: { listId: pick(to).id }, mutationId: randomUUID() });
  } else {
    ledger.queue(d, 'list:rename', { id: list.id, name: `L-${short()}`, mutationId: randomUUID() });
  }
}

export interface Load {
  /** Ends the load: no more mutations, drops or shares. */
  stop: () => void;
  /** Ends the progress lines. */
  stopProgress: () => void;
  /** Random disconnects made so far. */
  readonly randomDrops: number;
}

/** Starts the load (and the progress lines); `intervals` collects its timers for the run to clear. */
export function startLoad(
  c: Control,
  world: World,
  fleet: Fleet,
  ledger: Ledger,
  counters: DeviceCounters,
  faultsSoFar: () => number,
  intervals: NodeJS.Timeout[],
): Load {
  const { o } = c;
  const { users, members, removed, canaryList } = world;
  const { devices, userOf } = fleet;
  let loadOn = true;
  let randomDrops = 0;
  const shareBusy = new Set<string>();
  /** Now and then an owner's first device takes a member off its shared list, or puts one back. */
  const reshare = () => {
    const owner = pick(users);
    const listId = owner.shared;
    if (shareBusy.has(listId)) return;
    const d = devices.find((x) => userOf.get(x) === owner)!;
    const gone = [...removed.get(listId)!];
    const here = [...members.get(listId)!];
    let m: Mutation;
    if (gone.length > 0 && (here.length === 0 || Math.random() < 0.6)) {
      const [userId, role] = pick(gone);
      const email = users.find((u) => u.id === userId)!.email;
      m = ledger.queue(d, 'list:share', { listId, email, role });
    } else if (here.length > 0) {
      m = ledger.queue(d, 'list:unshare', { listId, userId: pick(here)[0] });
    } else return;
    shareBusy.add(listId);
    const poll = setInterval(() => {
      if (m.answer || !loadOn) {
        clearInterval(poll);
        shareBusy.delete(listId);
      }
    }, 100);
    intervals.push(poll);
  };

  const TICK_MS = 50;
  let mutationCredit = 0;
  let dropCredit = 0;
  let shareCredit = 0;
  const loadTimer = setInterval(() => {
    if (!loadOn) return;
    mutationCredit += (o.rate * TICK_MS) / 1000;
    dropCredit += (o.dropsPerSecond * TICK_MS) / 1000;
    shareCredit += (0.5 * TICK_MS) / 1000; // about one share or unshare every 2 s
    for (; mutationCredit >= 1; mutationCredit -= 1) {
      const d = pick(devices);
      if (d.outbox.length < 3) propose(ledger, d, canaryList.id);
    }
    for (; dropCredit >= 1; dropCredit -= 1) {
      const d = pick(devices);
      if (d.connected) {
        randomDrops += 1;
        d.dropFor(100 + Math.random() * 1500);
      }
    }
    for (; shareCredit >= 1; shareCredit -= 1) reshare();
  }, TICK_MS);
  intervals.push(loadTimer);
  const progress = progressLines(c, ledger, devices, counters, faultsSoFar);
  intervals.push(progress);
  return {
    stop: () => {
      loadOn = false;
      clearInterval(loadTimer);
    },
    stopProgress: () => clearInterval(progress),
    get randomDrops() {
      return randomDrops;
    },
  };
}

/** A progress line every 5 s (and the devices connecting for over 10 s); the timer, to clear. */
function progressLines(
  c: Control,
  ledger: Ledger,
  devices: Device[],
  counters: DeviceCounters,
  faultsSoFar: () => number,
): NodeJS.Timeout {
  return setInterval(() => {
    const acked = ledger.mutations.filter((m) => m.answer?.ok).length;
    const pending = devices.reduce((s, d) => s + d.outbox.length, 0);
    const online = devices.filter((d) => d.connected).length;
    const stuck = devices.filter((d) => d.connectingMs > 10_000);
    if (stuck.length > 0) c.log(`chaos: ${stuck.length} devices connecting for over 10 s, e.g. ${stuck[0].describe()}`);
    c.log(
      `chaos ${c.elapsed().toFixed(0)} s: ${acked} acked, ${pending} pending, ${online}/${devices.length} connected, ${counters.syncNeededReceived} sync:needed, ${faultsSoFar()} faults`,
    );
  }, 5_000);
}
