import { expect } from 'chai';
import type { Comment } from '../../shared/types';
import { clients, synced, until } from '../support/sdk-clients';
import { inboxOf, registerUser, useServer, type TestUser } from '../support/server';

describe('client SDK: comments', function () {
  const server = useServer();
  const kit = clients();

  const loggedIn = async (user: TestUser, url = server().url) => {
    const client = await kit.open(url);
    await client.login(user.email, user.password);
    await synced(client);
    return client;
  };

  it('shows comments made offline at once, sends them once online, and converges with another device', async () => {
    const alice = await registerUser(server(), 'Alice');
    const inbox = await inboxOf(server(), alice.token);
    const link = await kit.link(server());
    const a = await loggedIn(alice, link.url);
    const other = await loggedIn(alice);
    const task = await a.createTask(inbox, { title: 'Book flights' });
    const first = await a.addComment(task.id, '  online  ');
    expect(first.body).to.equal('online');
    await until(other, () => other.comments(task.id).length === 1, 'the other device sees the comment');

    link.down();
    await until(a, () => a.status !== 'online', 'a goes offline');
    const made = a.addComment(task.id, ' made offline ', { mentions: [alice.user.id, alice.user.id] });
    void a.editComment(first.id, 'online, edited');
    const shown = a.comments(task.id);
    expect(shown.map((c) => [c.body, c.pending])).to.deep.equal([
      ['online, edited', true],
      ['made offline', true],
    ]);
    expect(shown[1].mentions).to.deep.equal([alice.user.id]);
    const mentioned = new Promise<Comment>((resolve) => other.on('mention', ({ comment }) => resolve(comment)));

    link.up();
    const comment = await made;
    await synced(a);
    expect((await mentioned).id).to.equal(comment.id);
    await until(other, () => other.comments(task.id).length === 2, 'the other device sees both');
    const picture = (c: typeof a) =>
      c.comments(task.id).map(({ id, body, seq, pending }) => ({ id, body, seq, pending }));
    await until(other, () => JSON.stringify(picture(other)) === JSON.stringify(picture(a)), 'both devices agree');
    expect(picture(a).map((c) => c.body)).to.deep.equal(['online, edited', 'made offline']);
    expect(picture(a).every((c) => !c.pending)).to.equal(true);

    // a delete shows at once, and reaches the other device; a fresh device gets the rest by sync
    void a.deleteComment(first.id);
    expect(a.comments(task.id)).to.have.length(1);
    await until(other, () => other.comments(task.id).length === 1, 'the delete reaches the other device');
    const fresh = await loggedIn(alice);
    expect(fresh.comments(task.id).map((c) => c.id)).to.deep.equal([comment.id]);
  });
});
