import { expect } from 'chai';
import type { Comment, CommentPage, SyncResult } from '../../shared/types';
import { scenario } from '../support/scenario';
import {
  call,
  devices,
  next,
  ok,
  request,
  startServer,
  useServer,
  type ClientSocket,
  type Open,
  type TestServer,
} from '../support/server';
import { codeOf, uuid } from '../support/util';
import { record, seen } from '../support/wait';

/** Every page of sync from `cursors`, until `more` is false. */
async function syncAll(socket: ClientSocket, cursors?: Record<string, number>): Promise<SyncResult[]> {
  const pages: SyncResult[] = [];
  let at = cursors;
  for (;;) {
    const page = await ok(socket, 'sync', at ? { cursors: at } : {});
    pages.push(page);
    at = page.cursors;
    if (!page.more) return pages;
  }
}

const team = (server: TestServer, open: Open) =>
  scenario(server, open, {
    owner: 'alice',
    members: { bob: 'editor', carol: 'viewer' },
    strangers: ['eve'],
    list: 'Trip',
    task: 'Book flights',
  });

describe('comments and mentions', () => {
  const server = useServer();
  const open = devices(server);

  it('lets any member comment (viewers too): trimmed, the list\u2019s next seq, to every other member', async () => {
    const w = await team(server(), open);
    const { seq } = (await ok(w.alice.socket, 'sync', {})).lists.find((l) => l.id === w.listId)!;
    const atBob = next(w.bob.socket, 'comment:created');
    const { comment } = await ok(w.carol.socket, 'comment:create', { taskId: w.task.id, body: '  Aisle, please  ' });
    expect(comment).to.include({ taskId: w.task.id, listId: w.listId, authorId: w.carol.id, body: 'Aisle, please' });
    expect(comment.seq).to.equal(seq + 1);
    expect(comment.editedAt).to.equal(null);
    expect(comment.mentions).to.deep.equal([]);
    expect((await atBob).comment).to.deep.equal(comment);
    // a stranger cannot see the task; a bad body or task is refused
    expect(codeOf(await call(w.eve.socket, 'comment:create', { taskId: w.task.id, body: 'hi' }))).to.equal('not_found');
    expect(codeOf(await call(w.bob.socket, 'comment:create', { taskId: uuid(), body: 'hi' }))).to.equal('not_found');
    for (const body of ['', '   ', 'x'.repeat(5001)]) {
      expect(codeOf(await call(w.bob.socket, 'comment:create', { taskId: w.task.id, body }))).to.equal(
        'validation_error',
      );
    }
    const long = await ok(w.bob.socket, 'comment:create', { taskId: w.task.id, body: ` ${'y'.repeat(5000)} ` });
    expect(long.comment.body).to.have.length(5000);
  });

  it('checks mentions (members only, at most 20, duplicates dropped) and sends `mention` once per comment', async () => {
    const w = await team(server(), open);
    const base = { taskId: w.task.id };
    const refused = await call(w.bob.socket, 'comment:create', { ...base, body: 'hi', mentions: [w.eve.id] });
    expect(codeOf(refused)).to.equal('validation_error');
    const many = Array.from({ length: 21 }, () => uuid());
    expect(codeOf(await call(w.bob.socket, 'comment:create', { ...base, body: 'hi', mentions: many }))).to.equal(
      'validation_error',
    );
    const carolHears = record(w.carol.socket);
    const aliceHears = record(w.alice.socket);
    const { comment } = await ok(w.bob.socket, 'comment:create', {
      ...base,
      body: 'Carol?',
      mentions: [w.carol.id, w.carol.id.toUpperCase(), w.carol.id],
    });
    expect(comment.mentions).to.deep.equal([w.carol.id]);
    const told = await seen(w.carol.socket, (e) => e.event === 'mention', { among: carolHears });
    expect(told.payload).to.deep.equal({ comment });
    // the comment's own event comes first
    expect(carolHears.map((e) => e.event)).to.deep.equal(['comment:created', 'mention']);

    // an edit that adds alice tells alice (not carol again); dropping and re-adding carol tells nobody
    const edited = await ok(w.bob.socket, 'comment:update', {
      id: comment.id,
      body: 'Carol, Alice?',
      mentions: [w.carol.id, w.alice.id],
    });
    expect(edited.comment.mentions).to.deep.equal([w.carol.id, w.alice.id]);
    expect(edited.comment.editedAt).to.be.a('string');
    const toAlice = await seen(w.alice.socket, (e) => e.event === 'mention', { among: aliceHears });
    expect(toAlice.payload).to.deep.equal({ comment: edited.comment });
    await ok(w.bob.socket, 'comment:update', { id: comment.id, body: 'none', mentions: [] });
    const last = await ok(w.bob.socket, 'comment:update', { id: comment.id, body: 'both', mentions: [w.carol.id] });
    await seen(w.carol.socket, (e) => e.event === 'comment:updated' && e.payload.comment.seq === last.comment.seq, {
      among: carolHears,
    });
    await seen(w.alice.socket, (e) => e.event === 'comment:updated' && e.payload.comment.seq === last.comment.seq, {
      among: aliceHears,
    });
    expect(carolHears.filter((e) => e.event === 'mention')).to.have.length(1);
    expect(aliceHears.filter((e) => e.event === 'mention')).to.have.length(1);
    // without `mentions`, an edit keeps them
    const kept = await ok(w.bob.socket, 'comment:update', { id: comment.id, body: 'kept' });
    expect(kept.comment.mentions).to.deep.equal([w.carol.id]);
  });
});

describe('comments: editing, order and paging', () => {
  const server = useServer();
  const open = devices(server);

  it('lets only the author edit, and the author or the list\u2019s owner delete', async () => {
    const w = await team(server(), open);
    const { comment } = await ok(w.bob.socket, 'comment:create', { taskId: w.task.id, body: 'mine' });
    expect(codeOf(await call(w.alice.socket, 'comment:update', { id: comment.id, body: 'x' }))).to.equal('forbidden');
    expect(codeOf(await call(w.eve.socket, 'comment:update', { id: comment.id, body: 'x' }))).to.equal('not_found');
    expect(codeOf(await call(w.carol.socket, 'comment:delete', { id: comment.id }))).to.equal('forbidden');
    expect(codeOf(await call(w.eve.socket, 'comment:delete', { id: comment.id }))).to.equal('not_found');
    const atCarol = next(w.carol.socket, 'comment:deleted');
    const gone = await ok(w.alice.socket, 'comment:delete', { id: comment.id }); // the owner
    expect(gone).to.deep.equal({ id: comment.id, taskId: w.task.id, listId: w.listId, seq: comment.seq + 1 });
    expect(await atCarol).to.deep.equal(gone);
    expect(codeOf(await call(w.bob.socket, 'comment:update', { id: comment.id, body: 'x' }))).to.equal('not_found');
    expect(codeOf(await call(w.bob.socket, 'comment:delete', { id: comment.id }))).to.equal('not_found');
    const own = await ok(w.carol.socket, 'comment:create', { taskId: w.task.id, body: 'viewer' });
    await ok(w.carol.socket, 'comment:delete', { id: own.comment.id }); // the author, a viewer
    expect((await ok(w.bob.socket, 'comments:list', { taskId: w.task.id })).comments).to.deep.equal([]);
  });

  it('sends comments and tasks of one list in seq order, one by one', async () => {
    const w = await team(server(), open);
    const heard = record(w.carol.socket);
    const { comment } = await ok(w.bob.socket, 'comment:create', { taskId: w.task.id, body: 'a' });
    await ok(w.alice.socket, 'task:update', { id: w.task.id, patch: { title: 'Book' } });
    await ok(w.bob.socket, 'comment:update', { id: comment.id, body: 'b' });
    await ok(w.alice.socket, 'comment:create', { taskId: w.task.id, body: 'c' });
    const del = await ok(w.bob.socket, 'comment:delete', { id: comment.id });
    await seen(w.carol.socket, (e) => e.event === 'comment:deleted' && e.payload.seq === del.seq, { among: heard });
    const seqs = heard.map((e) =>
      'comment' in e.payload
        ? e.payload.comment.seq
        : 'task' in e.payload
          ? e.payload.task.seq
          : (e.payload as { seq: number }).seq,
    );
    expect(seqs).to.deep.equal([comment.seq, comment.seq + 1, comment.seq + 2, comment.seq + 3, comment.seq + 4]);
    expect(heard.map((e) => e.event)).to.deep.equal([
      'comment:created',
      'task:updated',
      'comment:updated',
      'comment:created',
      'comment:deleted',
    ]);
  });

  it('pages comments oldest first; REST mirrors the events; a task in the trash has no comments to add', async () => {
    const w = await team(server(), open);
    const made: Comment[] = [];
    for (let i = 0; i < 5; i++)
      made.push((await ok(w.bob.socket, 'comment:create', { taskId: w.task.id, body: `c${i}` })).comment);
    const pages: string[][] = [];
    let after: string | null = null;
    do {
      const page: CommentPage = await ok(w.carol.socket, 'comments:list', {
        taskId: w.task.id,
        limit: 2,
        ...(after ? { after } : {}),
      });
      const rest = await request<CommentPage>(
        server(),
        'GET',
        `/api/tasks/${w.task.id}/comments?limit=2${after ? `&after=${after}` : ''}`,
        { token: w.carol.token },
      );
      expect(rest.status).to.equal(200);
      expect(rest.body).to.deep.equal(page);
      pages.push(page.comments.map((c) => c.body));
      after = page.next;
    } while (after);
    expect(pages).to.deep.equal([['c0', 'c1'], ['c2', 'c3'], ['c4']]);
    expect(codeOf(await call(w.eve.socket, 'comments:list', { taskId: w.task.id }))).to.equal('not_found');
    expect(codeOf(await call(w.bob.socket, 'comments:list', { taskId: w.task.id, after: 'czE' }))).to.equal(
      'validation_error',
    );

    const atBob = next(w.bob.socket, 'comment:created');
    const posted = await request<{ comment: Comment }>(server(), 'POST', `/api/tasks/${w.task.id}/comments`, {
      token: w.carol.token,
      body: { body: ' by REST ', mentions: [w.alice.id] },
    });
    expect(posted.status).to.equal(201);
    expect(posted.body.comment).to.include({ body: 'by REST', authorId: w.carol.id });
    expect((await atBob).comment).to.deep.equal(posted.body.comment);
    const stranger = await request(server(), 'POST', `/api/tasks/${w.task.id}/comments`, {
      token: w.eve.token,
      body: { body: 'x' },
    });
    expect(stranger.status).to.equal(404);

    await ok(w.alice.socket, 'task:delete', { id: w.task.id });
    expect(codeOf(await call(w.bob.socket, 'comment:create', { taskId: w.task.id, body: 'x' }))).to.equal('not_found');
    expect(codeOf(await call(w.bob.socket, 'comment:update', { id: made[0].id, body: 'x' }))).to.equal('not_found');
    expect(codeOf(await call(w.bob.socket, 'comments:list', { taskId: w.task.id }))).to.equal('not_found');
  });
});

describe('comments: retries, activity, bounds and sync', () => {
  const server = useServer();
  const open = devices(server);

  it('answers a retry by mutationId or by id with the first answer, applied once', async () => {
    const w = await team(server(), open);
    const mutationId = uuid();
    const id = uuid();
    const payload = { taskId: w.task.id, id, body: 'once', mutationId };
    const first = await ok(w.bob.socket, 'comment:create', payload);
    expect(await ok(w.bob.socket, 'comment:create', payload)).to.deep.equal(first);
    expect(await ok(w.bob.socket, 'comment:create', { ...payload, mutationId: uuid() })).to.deep.equal(first);
    expect(codeOf(await call(w.alice.socket, 'comment:create', { ...payload, mutationId: uuid() }))).to.equal(
      'conflict',
    );
    const editId = uuid();
    const edit = await ok(w.bob.socket, 'comment:update', { id, body: 'twice', mutationId: editId });
    expect(await ok(w.bob.socket, 'comment:update', { id, body: 'twice', mutationId: editId })).to.deep.equal(edit);
    const delId = uuid();
    const del = await ok(w.bob.socket, 'comment:delete', { id, mutationId: delId });
    expect(await ok(w.bob.socket, 'comment:delete', { id, mutationId: delId })).to.deep.equal(del);
    const { cursors } = await ok(w.alice.socket, 'sync', {});
    expect(cursors[w.listId]).to.equal(del.seq); // nothing applied twice
  });

  it('writes one activity entry per comment change, with its task and comment', async () => {
    const w = await team(server(), open);
    const { comment } = await ok(w.carol.socket, 'comment:create', { taskId: w.task.id, body: 'a' });
    await ok(w.carol.socket, 'comment:update', { id: comment.id, body: 'b' });
    await ok(w.alice.socket, 'comment:delete', { id: comment.id });
    const { entries } = await ok(w.bob.socket, 'activity:list', { listId: w.listId, limit: 3 });
    expect(entries.map((e) => [e.kind, e.actorId, e.taskId, e.commentId, e.changes])).to.deep.equal([
      ['comment.deleted', w.alice.id, w.task.id, comment.id, null],
      ['comment.updated', w.carol.id, w.task.id, comment.id, null],
      ['comment.created', w.carol.id, w.task.id, comment.id, null],
    ]);
    expect(entries.map((e) => e.seq)).to.deep.equal([comment.seq + 2, comment.seq + 1, comment.seq]);
  });

  it('bounds the comments of one task (MAX_COMMENTS_PER_TASK); a deleted comment frees a place', async () => {
    const small = await startServer({ maxCommentsPerTask: 2 });
    try {
      const w = await scenario(
        small,
        devices(() => small),
        { owner: 'alice', task: 'T' },
      );
      const body = { taskId: w.task.id, body: 'x' };
      const { comment } = await ok(w.alice.socket, 'comment:create', body);
      await ok(w.alice.socket, 'comment:create', body);
      expect(codeOf(await call(w.alice.socket, 'comment:create', body))).to.equal('limit_exceeded');
      await ok(w.alice.socket, 'comment:delete', { id: comment.id });
      await ok(w.alice.socket, 'comment:create', body);
    } finally {
      await small.close();
    }
  });

  it('carries comments (current state) and deletions in sync, across pages', async () => {
    const w = await team(server(), open);
    const before = (await ok(w.bob.socket, 'sync', {})).cursors;
    const heavy = '\u20ac'.repeat(4990); // 15 kB of JSON: about 70 fill a page
    const made: Comment[] = [];
    for (let i = 0; i < 90; i++) {
      const who = i % 2 ? w.alice : w.bob;
      made.push((await ok(who.socket, 'comment:create', { taskId: w.task.id, body: `${i} ${heavy}` })).comment);
    }
    await ok(w.bob.socket, 'comment:update', { id: made[1 - 1].id, body: 'edited' });
    await ok(w.bob.socket, 'comment:delete', { id: made[2].id });
    await ok(w.alice.socket, 'comment:delete', { id: made[89].id });

    // from the cursor: every change once, the edit as it is now, the deletions as tombstones
    const pages = await syncAll(w.carol.socket, before);
    expect(pages.length).to.be.greaterThan(1);
    for (const p of pages) expect(JSON.stringify(p).length).to.be.below(1.1 * 1024 * 1024);
    const comments = pages.flatMap((p) => p.comments);
    const deletedComments = pages.flatMap((p) => p.deletedComments);
    const live = made.filter((_, i) => i !== 2 && i !== 89).map((c) => c.id);
    expect(comments.map((c) => c.id).sort()).to.deep.equal([...live].sort());
    expect(comments.find((c) => c.id === made[0].id)!.body).to.equal('edited');
    expect(deletedComments.map((d) => d.id).sort()).to.deep.equal([made[2].id, made[89].id].sort());
    expect(deletedComments[0]).to.have.keys(['id', 'taskId', 'listId', 'seq']);
    const seqs = pages.flatMap((p) => [...p.comments.map((c) => c.seq), ...p.deletedComments.map((d) => d.seq)]);
    expect(new Set(seqs).size).to.equal(seqs.length);

    // without a cursor: the live comments only; a deleted task takes its comments out of sync
    const fresh = await syncAll(w.carol.socket);
    expect(
      fresh
        .flatMap((p) => p.comments)
        .map((c) => c.id)
        .sort(),
    ).to.deep.equal([...live].sort());
    // (a later page has cursors: it may name deletions the client never had, which change nothing)
    expect(fresh[0].deletedComments).to.deep.equal([]);
    for (const d of fresh.flatMap((p) => p.deletedComments)) expect([made[2].id, made[89].id]).to.include(d.id);
    await ok(w.alice.socket, 'task:delete', { id: w.task.id });
    const after = await syncAll(w.carol.socket);
    expect(after.flatMap((p) => p.comments)).to.deep.equal([]);
  });
});
