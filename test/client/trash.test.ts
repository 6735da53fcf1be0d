import { expect } from 'chai';
import type { ClientError } from '../../sdk/index';
import { clients, converges, serverPicture, synced, until } from '../support/sdk-clients';
import { inboxOf, registerUser, useServer, type TestUser } from '../support/server';

describe('client SDK: the trash (restoreTask, trash)', function () {
  this.timeout(120_000);
  const server = useServer();
  const kit = clients();

  const loggedIn = async (user: TestUser, url = server().url) => {
    const client = await kit.open(url);
    await client.login(user.email, user.password);
    await synced(client);
    return client;
  };

  it('restores while offline: shown back at once, sent once connected, and every device converges', async () => {
    const alice = await registerUser(server(), 'Alice');
    const inbox = await inboxOf(server(), alice.token);
    const link = await kit.link(server());
    const phone = await loggedIn(alice, link.url);
    const laptop = await loggedIn(alice);
    const a = await phone.createTask(inbox, { title: 'deleted here' });
    const b = await phone.createTask(inbox, { title: 'deleted there' });
    const c = await laptop.createTask(inbox, { title: 'read from the trash' });
    await phone.deleteTask(a.id);
    await laptop.deleteTask(b.id);
    await laptop.deleteTask(c.id);
    await until(phone, () => !phone.task(b.id) && !phone.task(c.id), 'the phone sees the deletions');
    // a device that never held c learns it from the trash, newest deletion first
    const page = await phone.trash(inbox, { limit: 2 });
    expect(page.tasks.map((t) => t.id)).to.deep.equal([c.id, b.id]);
    expect(page.tasks[0]).to.include({ deletedBy: alice.user.id, title: 'read from the trash' });
    const rest = await phone.trash(inbox, { after: page.next! });
    expect(rest.tasks.map((t) => t.id)).to.deep.equal([a.id]);
    expect(rest.next).to.equal(null);

    link.down();
    await until(phone, () => phone.status !== 'online', 'the phone goes offline');
    const offline = await phone.trash(inbox).then(
      () => 'answered',
      (err: unknown) => (err as ClientError).code,
    );
    expect(offline).to.equal('offline');
    const restored = [a, b, c].map((t) => phone.restoreTask(t.id));
    // optimistic: back at once, pending, with their fields
    expect(
      phone
        .tasks(inbox)
        .map((t) => [t.title, t.pending])
        .sort(),
    ).to.deep.equal([
      ['deleted here', true],
      ['deleted there', true],
      ['read from the trash', true],
    ]);
    expect(phone.pendingCount()).to.equal(3);
    // a queued delete then a queued restore shows it back too
    const d = await laptop.createTask(inbox, { title: 'deleted and restored offline' });
    await until(laptop, () => laptop.task(d.id)?.pending === false, 'd is made');
    link.up();
    await synced(phone);
    link.down();
    await until(phone, () => phone.status !== 'online', 'the phone goes offline again');
    const dDeleted = phone.deleteTask(d.id);
    expect(phone.task(d.id)).to.equal(undefined);
    const dRestored = phone.restoreTask(d.id);
    expect(phone.task(d.id)).to.include({ title: 'deleted and restored offline', pending: true });

    link.up();
    await synced(phone, 60_000);
    const answers = await Promise.all(restored);
    await dDeleted;
    const dBack = await dRestored;
    expect(answers.map((t) => t.version)).to.deep.equal([a.version + 2, b.version + 2, c.version + 2]);
    expect(dBack.version).to.equal(d.version + 2);
    expect(phone.pendingCount()).to.equal(0);
    const picture = await serverPicture(server(), alice);
    expect(picture.tasks[inbox].map((t) => t.title).sort()).to.deep.equal(
      ['deleted and restored offline', 'deleted here', 'deleted there', 'read from the trash'].sort(),
    );
    await converges(phone, picture, 'the phone');
    await converges(laptop, picture, 'the laptop');
    expect((await laptop.trash(inbox)).tasks).to.deep.equal([]);
  });
});
