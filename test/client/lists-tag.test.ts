import { expect } from 'chai';
import { memoryStorage } from '../../sdk/index';
import type { Ack, List, SyncResult } from '../../shared/types';
import { bulkTasks } from '../support/database';
import { inboxOf, registerUser, request, type TestServer, type TestUser, useServer } from '../support/server';
import { clients, converges, serverPicture, synced, until } from '../support/sdk-clients';

/** One `sync` the server answered: the listsTag sent, and how many lists the answer carried. */
interface SeenSync {
  tag: 'tag' | 'no tag';
  lists: number;
  listsUnchanged: boolean | undefined;
}

const userOf = (socket: { data: unknown }) => (socket.data as { userId?: string }).userId;

/** The syncs answered so far, a wait until there are `n` of them, and whether the server acts as an older one. */
interface Syncs {
  seen: SeenSync[];
  reached(n: number, timeoutMs?: number): Promise<void>;
  /** The server acts as one that knows no tags: it takes none and answers none. */
  oldServer: boolean;
}

/** Watches every `sync` the server answers to `userId`'s sockets connected from now on. */
function watchSyncs(server: TestServer, userId: string): Syncs {
  const seen: SeenSync[] = [];
  const waiting: Array<{ n: number; resolve: () => void }> = [];
  const reached = (n: number, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      if (seen.length >= n) {
        resolve();
        return;
      }
      const timer = setTimeout(
        () => reject(new Error(`${seen.length} syncs, not ${n}, within ${timeoutMs} ms`)),
        timeoutMs,
      );
      waiting.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  const syncs: Syncs = { seen, reached, oldServer: false };
  server.parts.io.on('connection', (socket) => {
    if (userOf(socket) !== userId) return;
    // socket.io's own steps for an incoming event, wrapped: the server's one listener (onAny) gets the
    // payload and the ack function that `ack(id)` makes, both seen (and for oldServer changed) here
    type Reply = (res: Ack<SyncResult>) => void;
    const io = socket as unknown as {
      onevent(packet: { data?: unknown[]; id?: number }): void;
      ack(id: number): Reply;
    };
    const [onevent, makeAck] = [io.onevent.bind(socket), io.ack.bind(socket)];
    io.onevent = (packet) => {
      const [event, payload] = packet.data ?? [];
      if (event !== 'sync' || packet.id === undefined) {
        onevent(packet);
        return;
      }
      const sent = (payload ?? {}) as { listsTag?: string };
      const tag = sent.listsTag === undefined ? 'no tag' : 'tag';
      if (syncs.oldServer) delete sent.listsTag;
      io.ack = (id) => {
        const reply = makeAck(id);
        return (res) => {
          if (res.ok) {
            seen.push({ tag, lists: res.data.lists.length, listsUnchanged: res.data.listsUnchanged });
            if (syncs.oldServer) {
              const old = res.data as Partial<SyncResult>;
              delete old.listsTag;
              delete old.listsUnchanged;
            }
          }
          reply(res);
          for (const w of waiting.filter((w) => seen.length >= w.n)) w.resolve();
        };
      };
      try {
        onevent(packet);
      } finally {
        io.ack = makeAck;
      }
    };
  });
  return syncs;
}

describe('client SDK: lists not received again while unchanged (sync listsTag)', function () {
  this.timeout(120_000);
  const kit = clients();

  const server = useServer();

  const loggedIn = async (user: TestUser, url = server().url, opts: Parameters<typeof kit.open>[1] = {}) => {
    const client = await kit.open(url, opts);
    await client.login(user.email, user.password);
    await synced(client);
    return client;
  };
  const names = (lists: Array<Pick<List, 'name'>>) => lists.map((l) => l.name).sort();
  /** Makes the server ask the user's `n` clients to sync, and waits for their syncs. */
  const syncNeeded = async (user: TestUser, syncs: Syncs, n = 1) => {
    const before = syncs.seen.length;
    server().parts.io.to(`user:${user.user.id}`).emit('sync:needed', {});
    await syncs.reached(before + n);
  };

  it('gets the lists once: not on the later pages of a pass, an idle sync, nor after a reload', async () => {
    const alice = await registerUser(server(), 'Alice');
    const big = (
      await request<{ list: List }>(server(), 'POST', '/api/lists', { token: alice.token, body: { name: 'Big' } })
    ).body.list;
    await bulkTasks(big.id, alice.user.id, 2500); // a first sync of three pages
    const syncs = watchSyncs(server(), alice.user.id);
    const storage = memoryStorage();
    const a = await loggedIn(alice, server().url, { storage });
    expect(a.tasks(big.id)).to.have.length(2500);
    const [first, ...later] = syncs.seen;
    expect(first).to.deep.equal({ tag: 'no tag', lists: 2, listsUnchanged: false });
    expect(later, 'the later pages').to.have.length.at.least(2);
    expect(later).to.deep.equal(later.map(() => ({ tag: 'tag', lists: 0, listsUnchanged: true })));

    await syncNeeded(alice, syncs);
    await synced(a);
    expect(syncs.seen.at(-1), 'an idle sync').to.deep.equal({ tag: 'tag', lists: 0, listsUnchanged: true });
    expect(names(a.lists())).to.deep.equal(['Big', 'Inbox']);

    a.close(); // writes its replica, the tag with it
    const count = syncs.seen.length;
    const reloaded = await kit.open(server().url, { storage });
    await syncs.reached(count + 1);
    await synced(reloaded);
    expect(syncs.seen[count], 'the first sync after a reload').to.deep.equal({
      tag: 'tag',
      lists: 0,
      listsUnchanged: true,
    });
    expect(names(reloaded.lists())).to.deep.equal(['Big', 'Inbox']);
    await converges(reloaded, await serverPicture(server(), alice), 'reloaded');
  });

  it('gets the lists whole when they changed while it was away, and shows them', async () => {
    const [alice, bob] = [await registerUser(server(), 'Alice'), await registerUser(server(), 'Bob')];
    const inbox = await inboxOf(server(), alice.token);
    const link = await kit.link(server());
    const [laptop, b] = [await loggedIn(alice), await loggedIn(bob)];
    const syncs = watchSyncs(server(), alice.user.id); // from here on: a's syncs only
    const a = await loggedIn(alice, link.url);
    await syncNeeded(alice, syncs); // a holds the tag of alice's lists
    await synced(a);
    link.down();
    await until(a, () => a.status !== 'online', 'a offline');
    await laptop.renameList(inbox, 'Home');
    const shared = await b.createList('From Bob');
    await b.share(shared.id, alice.email, 'viewer');
    const count = syncs.seen.length;
    link.up();
    await syncs.reached(count + 1);
    await synced(a);
    expect(syncs.seen[count]).to.deep.equal({ tag: 'tag', lists: 2, listsUnchanged: false });
    expect(a.lists().map((l) => [l.name, l.role])).to.deep.equal([
      ['From Bob', 'viewer'],
      ['Home', 'owner'],
    ]);
    await converges(a, await serverPicture(server(), alice), 'a');
    // the tag it got with them is current: the next sync carries no lists
    await syncNeeded(alice, syncs);
    expect(syncs.seen.at(-1)).to.deep.equal({ tag: 'tag', lists: 0, listsUnchanged: true });
  });

  it('survives a server that knows no tags: it takes the lists whole, and sends no tag again', async () => {
    const alice = await registerUser(server(), 'Alice');
    const laptop = await loggedIn(alice);
    const syncs = watchSyncs(server(), alice.user.id); // a's syncs only
    const a = await loggedIn(alice);
    await syncNeeded(alice, syncs);
    expect(syncs.seen.at(-1), 'a holds a tag').to.deep.equal({ tag: 'tag', lists: 0, listsUnchanged: true });
    syncs.oldServer = true; // say, a rollback to a version from before tags
    const count = syncs.seen.length;
    await laptop.createList('Second');
    await until(a, () => a.lists().length === 2, 'a sees the second list');
    await syncNeeded(alice, syncs);
    await laptop.renameList((await laptop.createList('Third')).id, 'Third, renamed');
    await until(a, () => names(a.lists()).includes('Third, renamed'), 'a sees the third list');
    await syncNeeded(alice, syncs);
    await synced(a);
    const later = syncs.seen.slice(count);
    expect(later.length).to.be.at.least(3);
    expect(later.every((s) => s.lists > 0)).to.equal(true); // whole every time, as the contract has it
    expect(later.slice(1).every((s) => s.tag === 'no tag')).to.equal(true); // a tag no answer carried is not sent
    expect(names(a.lists())).to.deep.equal(['Inbox', 'Second', 'Third, renamed']);
    await converges(a, await serverPicture(server(), alice), 'a');
  });
});
