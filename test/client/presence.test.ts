/**
 * The SDK's presence: client.presence(listId, cb, taskId?) joins, calls cb with everyone present,
 * moves the task, joins again after a reconnect, leaves when the handle is called, and tells of a
 * refused join (presenceRefused).
 */
import { expect } from 'chai';
import type { Presence, TodoClient } from '../../sdk/index';
import { clients, synced, until } from '../support/sdk-clients';
import { registerUser, useServer, type TestUser } from '../support/server';

/** The latest `present` a subscription was given, and a wait for one that holds. */
function watcher() {
  let latest: Presence[] = [];
  const waits = new Set<() => void>();
  return {
    cb: (present: Presence[]) => {
      latest = present;
      for (const w of [...waits]) w();
    },
    get latest() {
      return latest;
    },
    until(cond: (present: Presence[]) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!cond(latest)) return;
          clearTimeout(timer);
          waits.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waits.delete(check);
          reject(new Error(`not within ${timeoutMs} ms: ${what} (last: ${JSON.stringify(latest)})`));
        }, timeoutMs);
        waits.add(check);
        check();
      });
    },
  };
}

const who = (present: Presence[]) => present.map((p) => `${p.userId}:${p.taskId ?? '-'}`).join(' ');

describe('client SDK: presence', function () {
  this.timeout(60_000);
  const server = useServer();
  const kit = clients();

  const loggedIn = async (user: TestUser, url = server().url): Promise<TodoClient> => {
    const client = await kit.open(url);
    await client.login(user.email, user.password);
    await synced(client);
    return client;
  };

  it('joins, follows moves, joins again after a reconnect, and leaves when the handle is called', async () => {
    const [ann, bob] = await Promise.all([registerUser(server(), 'Ann'), registerUser(server(), 'Bob')]);
    const a = await loggedIn(ann);
    const list = await a.createList('Together');
    await a.share(list.id, bob.email, 'editor');
    const task = await a.createTask(list.id, { title: 'Look here' });
    await a.synced();
    const link = await kit.link(server());
    const b = await loggedIn(bob, link.url);
    await until(b, () => b.task(task.id) !== undefined, 'bob has the task');

    const annSees = watcher();
    const annHandle = a.presence(list.id, annSees.cb);
    await annSees.until((p) => who(p) === `${ann.user.id}:-`, 'ann sees herself');
    const bobSees = watcher();
    const bobHandle = b.presence(list.id, bobSees.cb, task.id);
    const both = `${ann.user.id}:- ${bob.user.id}:${task.id}`;
    await annSees.until((p) => who(p) === both, 'ann sees bob on the task');
    await bobSees.until((p) => who(p) === both, 'bob sees both');
    expect(annSees.latest[1]).to.include({ name: 'Bob' });

    bobHandle.move(null);
    await annSees.until((p) => who(p) === `${ann.user.id}:- ${bob.user.id}:-`, 'bob moved off the task');

    link.down(); // bob's network goes: the server drops his socket, and he is gone
    await annSees.until((p) => who(p) === `${ann.user.id}:-`, 'bob gone with his connection', 8_000);
    link.up(); // he reconnects, and the SDK joins again (with his latest task: none)
    await annSees.until((p) => who(p) === `${ann.user.id}:- ${bob.user.id}:-`, 'bob back after the reconnect');

    bobHandle();
    await annSees.until((p) => who(p) === `${ann.user.id}:-`, 'bob left');
    annHandle();
  });

  it('tells of a refused join: presenceRefused with the error', async () => {
    const [ann, eve] = await Promise.all([registerUser(server(), 'Ann'), registerUser(server(), 'Eve')]);
    const [a, e] = await Promise.all([loggedIn(ann), loggedIn(eve)]);
    const list = await a.createList('Private');
    const refused = new Promise<string>((resolve) => {
      e.on('presenceRefused', ({ listId, error }) => resolve(`${listId} ${error.code}`));
    });
    const stop = e.presence(list.id, () => expect.fail('no state for a non-member'));
    expect(await refused).to.equal(`${list.id} not_found`);
    stop();
  });
});
