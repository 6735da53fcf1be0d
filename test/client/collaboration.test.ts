/**
 * The SDK's collaboration calls: client.activity(listId, {taskId, before, limit}) pages a list's (or a
 * task's) activity newest first, and on('member') tells of a member added, changed or removed, live and
 * for the client's own share and unshare.
 */
import { expect } from 'chai';
import type { TodoClient } from '../../sdk/index';
import { clients, synced } from '../support/sdk-clients';
import { registerUser, useServer, type TestUser } from '../support/server';

describe('client SDK: activity and member events', function () {
  this.timeout(60_000);
  const server = useServer();
  const kit = clients();

  const loggedIn = async (user: TestUser): Promise<TodoClient> => {
    const client = await kit.open(server().url);
    await client.login(user.email, user.password);
    await synced(client);
    return client;
  };

  /** The next 'member' event of `client`, or a timeout. */
  const nextMember = (client: TodoClient) =>
    new Promise<{ listId: string; userId: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no member event within 10 s')), 10_000);
      const off = client.on('member', (e) => {
        clearTimeout(timer);
        off();
        resolve(e);
      });
    });

  it('pages the activity of a list and of one task, newest first', async () => {
    const alice = await loggedIn(await registerUser(server(), 'Alice'));
    const list = await alice.createList('Plans');
    const task = await alice.createTask(list.id, { title: 'One' });
    await alice.updateTask(task.id, { title: 'Two' });
    await alice.createTask(list.id, { title: 'Other' });
    await synced(alice);

    const first = await alice.activity(list.id, { limit: 2 });
    expect(first.entries.map((a) => a.kind)).to.deep.equal(['task.created', 'task.updated']);
    expect(first.entries[1].changes).to.deep.equal({ title: ['One', 'Two'] });
    expect(first.next).to.be.a('string');
    const rest = await alice.activity(list.id, { limit: 2, before: first.next ?? undefined });
    expect(rest.entries.map((a) => a.kind)).to.deep.equal(['task.created']);
    expect(rest.next).to.equal(null);

    const ofTask = await alice.activity(list.id, { taskId: task.id });
    expect(ofTask.entries.map((a) => a.kind)).to.deep.equal(['task.updated', 'task.created']);
  });

  it('tells of members added, changed and removed, to the owner and to the others', async () => {
    const [aUser, bUser, cUser] = await Promise.all([
      registerUser(server(), 'Ann'),
      registerUser(server(), 'Ben'),
      registerUser(server(), 'Cy'),
    ]);
    const [ann, ben] = await Promise.all([loggedIn(aUser), loggedIn(bUser)]);
    const list = await ann.createList('Team');
    await synced(ann);

    const own = nextMember(ann);
    await ann.share(list.id, bUser.email, 'editor');
    expect(await own).to.deep.equal({ listId: list.id, userId: bUser.user.id });
    await synced(ben);

    const live = nextMember(ben);
    await ann.share(list.id, cUser.email, 'viewer');
    expect(await live).to.deep.equal({ listId: list.id, userId: cUser.user.id });

    const changed = nextMember(ben);
    const member = await ann.share(list.id, cUser.email, 'editor'); // a member already: a role change
    expect(member.role).to.equal('editor');
    expect(await changed).to.deep.equal({ listId: list.id, userId: cUser.user.id });

    const removed = nextMember(ben);
    await ann.unshare(list.id, cUser.user.id);
    expect(await removed).to.deep.equal({ listId: list.id, userId: cUser.user.id });
  });
});
