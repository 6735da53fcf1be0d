/**
 * The chaos run's oracle, once the outboxes drained: what the database holds against every answer
 * the devices got. (a) every acknowledged create is there; (b) every acknowledged delete took its task
 * away; (c) a live task's version is 1 + the updates acknowledged for it; (d) each list's changes since
 * the start are exactly the acknowledged ones, one seq each; (e) each list's name is the one of its
 * last acknowledged rename. A lost change counts as lost, a change applied twice as duplicated.
 */
import pg from 'pg';
import type { List, Task } from '../../shared/types';
import type { Mutation } from './device';
import type { Payload } from './wire';

export interface Audit {
  createdChecked: number;
  tasksVersionChecked: number;
  listsSeqChecked: number;
  seqsOwned: number;
  lost: number;
  duplicated: number;
  problems: string[];
  acked: Mutation[];
  unanswered: Mutation[];
}

type ListRow = { id: string; seq: string; name: string };
type TaskRow = { id: string; list_id: string; version: number; deleted: boolean };

async function readDatabase(dbUrl: string): Promise<{ dbLists: ListRow[]; dbTasks: TaskRow[] }> {
  const check = new pg.Client({ connectionString: dbUrl });
  await check.connect();
  check.on('error', () => undefined);
  try {
    const dbLists = (await check.query<ListRow>('SELECT id, seq, name FROM lists')).rows;
    const dbTasks = (
      await check.query<TaskRow>('SELECT id, list_id, version, deleted_at IS NOT NULL AS deleted FROM tasks')
    ).rows;
    return { dbLists, dbTasks };
  } finally {
    await check.end();
  }
}

/**
 * Reads the database and checks it against `mutations` (`unanswered`, the ones without an answer when
 * the outboxes drained); `startSeqs`, each list's seq as the run started.
 */
export async function audit(
  dbUrl: string,
  mutations: Mutation[],
  unanswered: Mutation[],
  startSeqs: Map<string, number>,
): Promise<Audit> {
  const { dbLists, dbTasks } = await readDatabase(dbUrl);
  const a: Audit = {
    createdChecked: 0,
    tasksVersionChecked: 0,
    listsSeqChecked: 0,
    seqsOwned: 0,
    lost: 0,
    duplicated: 0,
    problems: [],
    acked: mutations.filter((m) => m.answer?.ok),
    unanswered,
  };
  const taskRow = new Map(dbTasks.map((t) => [t.id, t]));
  const listRow = new Map(dbLists.map((l) => [l.id, l]));
  checkTasks(a, taskRow, dbTasks);
  checkSeqs(a, mutations, listRow, startSeqs);
  checkNames(a, listRow);
  if (unanswered.length > 0)
    a.problems.push(`${unanswered.length} mutations never answered, e.g. ${unanswered[0].event} #${unanswered[0].n}`);
  return a;
}

/** (a), (b) and (c): creates, deletes, and each live task's version. */
function checkTasks(a: Audit, taskRow: Map<string, TaskRow>, dbTasks: TaskRow[]): void {
  const { acked, problems } = a;
  // (a) every acknowledged create is there
  for (const m of acked) {
    if (m.event !== 'task:create') continue;
    a.createdChecked += 1;
    const { task } = (m.answer as { data: { task: Task } }).data;
    if (!taskRow.has(task.id)) {
      a.lost += 1;
      problems.push(`lost: task:create #${m.n} (task ${task.id}) acked but not in the database`);
    }
  }
  // (b) every acknowledged delete took its task away
  for (const m of acked) {
    if (m.event !== 'task:delete') continue;
    const { id } = m.payload as Payload<'task:delete'>;
    if (taskRow.get(id)?.deleted === false) {
      a.lost += 1;
      problems.push(`lost: task:delete #${m.n} (task ${id}) acked but the task is live`);
    }
  }
  // (c) a live task's version is 1 + the updates (and moves) acknowledged for it
  const updates = new Map<string, number>();
  for (const m of acked) {
    if (m.event !== 'task:update') continue;
    const { id } = m.payload as Payload<'task:update'>;
    updates.set(id, (updates.get(id) ?? 0) + 1);
  }
  for (const t of dbTasks) {
    if (t.deleted) continue;
    a.tasksVersionChecked += 1;
    const expected = 1 + (updates.get(t.id) ?? 0);
    if (t.version < expected) {
      a.lost += expected - t.version;
      problems.push(`lost: task ${t.id} has version ${t.version}, ${expected - 1} updates of it were acked`);
    } else if (t.version > expected) {
      a.duplicated += t.version - expected;
      problems.push(`doubled: task ${t.id} has version ${t.version}, only ${expected - 1} updates of it were acked`);
    }
  }
}

/** The seqs each acknowledged change owns: list -> seq -> mutation n (a seq acked to two mutations is doubled). */
function ownedSeqs(a: Audit): Map<string, Map<number, number>> {
  const owned = new Map<string, Map<number, number>>(); // list -> seq -> mutation n
  const own = (m: Mutation, listId: string, seq: number) => {
    const seqs = owned.get(listId) ?? new Map<number, number>();
    owned.set(listId, seqs);
    const other = seqs.get(seq);
    if (other !== undefined && other !== m.n) {
      a.duplicated += 1;
      a.problems.push(`doubled: seq ${seq} of list ${listId} acked to #${other} and #${m.n}`);
    }
    seqs.set(seq, m.n);
  };
  for (const m of a.acked) {
    const data = (m.answer as { data: unknown }).data as Record<string, unknown>;
    switch (m.event) {
      case 'task:create':
      case 'task:update': {
        const { task, from } = data as { task: Task; from?: { listId: string; seq: number } };
        own(m, task.listId, task.seq);
        if (from) own(m, from.listId, from.seq);
        break;
      }
      case 'task:delete':
      case 'list:unshare':
        own(m, data.listId as string, data.seq as number);
        break;
      case 'list:rename':
        own(m, (data.list as List).id, (data.list as List).seq);
        break;
      case 'list:share':
        own(m, (data.member as { listId: string }).listId, data.seq as number);
        break;
      default:
        break;
    }
  }
  return owned;
}

/** (d) each list's changes since the start are exactly the acknowledged ones: one seq each. */
function checkSeqs(
  a: Audit,
  mutations: Mutation[],
  listRow: Map<string, ListRow>,
  startSeqs: Map<string, number>,
): void {
  const owned = ownedSeqs(a);
  // a share or unshare has no mutationId: retried after a lost answer, its repeat is refused
  // (conflict, not_found) though the first attempt may have been applied, so its seq has no owner
  const unknownOutcome = new Map<string, number>();
  for (const m of mutations) {
    if ((m.event === 'list:share' || m.event === 'list:unshare') && !m.answer?.ok && m.unanswered > 0) {
      const { listId } = m.payload as { listId: string };
      unknownOutcome.set(listId, (unknownOutcome.get(listId) ?? 0) + 1);
    }
  }
  for (const [listId, start] of startSeqs) {
    const row = listRow.get(listId);
    if (!row) continue;
    a.listsSeqChecked += 1;
    const final = Number(row.seq);
    const seqs = owned.get(listId) ?? new Map<number, number>();
    a.seqsOwned += seqs.size;
    for (const [seq, who] of seqs)
      if (seq <= start || seq > final) {
        a.lost += 1;
        a.problems.push(`lost: #${who} acked seq ${seq} of list ${listId}, which went from ${start} to ${final}`);
      }
    const unowned = final - start - seqs.size - (unknownOutcome.get(listId) ?? 0);
    if (unowned > 0) {
      a.duplicated += unowned;
      a.problems.push(
        `doubled: list ${listId} took ${final - start} changes, ${seqs.size} acked (${unknownOutcome.get(listId) ?? 0} of unknown outcome)`,
      );
    }
  }
}

/** (e) each list's name is the one of its last acknowledged rename. */
function checkNames(a: Audit, listRow: Map<string, ListRow>): void {
  const lastRename = new Map<string, { seq: number; name: string }>();
  for (const m of a.acked) {
    if (m.event !== 'list:rename') continue;
    const { list } = (m.answer as { data: { list: List } }).data;
    if ((lastRename.get(list.id)?.seq ?? -1) < list.seq) lastRename.set(list.id, { seq: list.seq, name: list.name });
  }
  for (const [id, r] of lastRename)
    if (listRow.get(id)?.name !== r.name) {
      a.lost += 1;
      a.problems.push(
        `lost: list ${id} is named ${listRow.get(id)?.name ?? '?'}, its last acked rename says ${r.name}`,
      );
    }
}
