/**
 * The activity log's invariant (server/changes/activity.ts): every seq a change took has exactly one
 * entry, checked before anything is sent with the COMMIT; and its one INSERT, values escaped in.
 */
import { expect } from 'chai';
import { ActivityLog } from '../../server/changes/activity';
import { testDb } from '../support/database';
import { uuid } from '../support/util';

describe('the activity log of a change', () => {
  const at = new Date('2026-12-01T10:00:00.000Z');
  const listId = uuid();
  const sql = (log: ActivityLog) => log.sql(testDb().sequelize, uuid());

  it('refuses a seq taken without an entry, an entry of a seq not taken, and two entries of one seq', () => {
    const forgot = new ActivityLog();
    forgot.took(listId, 3, at);
    expect(() => sql(forgot)).to.throw(/no entry for the seq/);

    const stray = new ActivityLog();
    stray.log({ listId, seq: 4, kind: 'task.created' });
    expect(() => sql(stray)).to.throw(/did not take/);

    const twice = new ActivityLog();
    twice.took(listId, 5, at);
    twice.log({ listId, seq: 5, kind: 'task.created' });
    twice.log({ listId, seq: 5, kind: 'task.updated' });
    expect(() => sql(twice)).to.throw(/two entries/);
  });

  it('writes one multi-row INSERT, nothing for a deleted list, and nothing at all without seqs', () => {
    expect(sql(new ActivityLog())).to.equal(undefined);
    const log = new ActivityLog();
    log.took(listId, 1, at);
    log.took(listId, 2, at);
    log.log({ listId, seq: 1, kind: 'task.updated', taskId: uuid(), changes: { title: ["it's", 'new'] } });
    log.log({ listId, seq: 2, kind: 'member.removed', userId: uuid() });
    const text = sql(log)!;
    expect(text.match(/INSERT INTO activities/g)).to.have.length(1);
    expect(text).to.include(`'{"title":["it''s","new"]}'`); // escaped into the text
    const gone = new ActivityLog();
    gone.took(listId, 9, at);
    gone.log({ listId, seq: 9, kind: 'list.deleted' });
    expect(sql(gone)).to.equal(undefined);
  });
});
