/**
 * Back-pressure per socket: a client that does not read what it is sent has its next events refused
 * (`rate_limited`) once its unsent bytes pass SOCKET_UNSENT_BYTES, and its connection closed once
 * they pass SOCKET_UNSENT_MAX_BYTES, broadcasts included; another user is served all along. Over a
 * WebSocket whose TCP connection stops reading (the kernel's buffers fill first, then the server's),
 * and over long-polling that stops polling.
 */
import type { Socket as NetSocket } from 'node:net';
import { expect } from 'chai';
import type { Ack, SyncResult } from '../../shared/types';
import { bulkTasks, HEAVY_TEXT } from '../support/database';
import {
  call,
  type ClientSocket,
  devices,
  inboxOf,
  ok,
  registerUser,
  request,
  type TestServer,
  useServer,
} from '../support/server';
import { codeOf, disconnected } from '../support/util';

const SOFT = 256 * 1024;
const HARD = 1024 * 1024;

interface Outcomes {
  ok: number;
  rate_limited: number;
  all: number;
}

/** How many sync events the server has answered, by outcome (from /metrics). */
async function syncOutcomes(server: TestServer): Promise<Outcomes> {
  const res = await request<string>(server, 'GET', '/metrics');
  const count = (outcome: string) =>
    Number(new RegExp(`socketio_events_total\\{event="sync",outcome="${outcome}"\\} (\\d+)`).exec(res.body)?.[1] ?? 0);
  const all = [...res.body.matchAll(/socketio_events_total\{event="sync",outcome="[^"]+"\} (\d+)/g)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
  return { ok: count('ok'), rate_limited: count('rate_limited'), all };
}

/** Resolves, once the server has answered `n` sync events since `since`, with their outcomes (looks every 10 ms, at most 10 s). */
async function answered(server: TestServer, since: Outcomes, n: number): Promise<Outcomes> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = await syncOutcomes(server);
    const delta = {
      ok: now.ok - since.ok,
      rate_limited: now.rate_limited - since.rate_limited,
      all: now.all - since.all,
    };
    if (delta.all >= n) return delta;
    if (Date.now() > deadline) throw new Error(`the server answered ${delta.all} syncs, not ${n}, within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The TCP connection under a socket.io-client WebSocket (Node's `ws`): pausing it stops all reading. */
const tcpOf = (socket: ClientSocket): NetSocket =>
  (socket.io.engine.transport as unknown as { ws: { _socket: NetSocket } }).ws._socket;

/** Resolves with the reason once the server's side of the Socket.IO socket `id` is gone. */
function serverSideGone(server: TestServer, id: string): Promise<string> {
  const remote = server.parts.io.sockets.sockets.get(id);
  if (!remote) throw new Error('no such socket on the server');
  return new Promise((resolve) => remote.once('disconnect', (reason) => resolve(reason)));
}

describe('back-pressure: a client that does not read', function () {
  this.timeout(60_000);
  const server = useServer({ socketUnsentBytes: SOFT, socketUnsentMaxBytes: HARD, socketEventsPerSecond: 1000 });
  const open = devices(server);

  /** Alice, whose Inbox answers a sync of about 400 KB; her reading device; Bob and his device. */
  async function cast() {
    const [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
    const inbox = await inboxOf(server(), alice.token);
    await bulkTasks(inbox, alice.user.id, 40, { notes: 'n'.repeat(10_000) });
    const [reader, bobSocket] = await Promise.all([open(alice.token), open(bob.token)]);
    const bobInbox = await inboxOf(server(), bob.token);
    /** Bob is served: a task:create of his is answered ok. */
    const bobServed = async () =>
      expect(codeOf(await call(bobSocket, 'task:create', { listId: bobInbox, title: 'Bob' }))).to.equal('ok');
    /** Alice's reading device creates tasks of about 64 KB of JSON each (broadcast to her other sockets) until `stop` resolves. */
    const broadcastUntil = async (stop: Promise<unknown>) => {
      const state = { done: false };
      void stop.then(() => (state.done = true));
      for (let i = 0; i < 300 && !state.done; i++) await ok(reader, 'task:create', { listId: inbox, ...HEAVY_TEXT });
      expect(state.done, 'the connection was closed').to.equal(true);
    };
    return { alice, bob, inbox, bobServed, broadcastUntil };
  }

  it('over a WebSocket that stops reading: its syncs are refused once its unsent answers pass the soft bound, and broadcasts past the hard bound close its connection; another user is served', async () => {
    const { alice, bobServed, broadcastUntil } = await cast();
    const slow = await open(alice.token);
    const acks: Promise<Ack<SyncResult>>[] = [];
    const tcp = tcpOf(slow);
    tcp.pause(); // from now on nothing is read: the kernel's buffers fill (a few MB on loopback), then the server's

    // one sync at a time, each answered by the server (as its metrics say) before the next; about 400 KB each
    let sent = 0;
    const before = await syncOutcomes(server());
    let outcomes = await answered(server(), before, 0);
    while (outcomes.rate_limited === 0 && sent < 60) {
      acks.push(slow.timeout(30_000).emitWithAck('sync', {}) as Promise<Ack<SyncResult>>);
      sent += 1;
      outcomes = await answered(server(), before, sent);
    }
    expect(outcomes.rate_limited, `no sync refused in ${sent}`).to.equal(1);
    expect(sent).to.be.above(1);
    await bobServed();

    // once it reads again, the answers arrive: every sync answered, the last one refused
    tcp.resume();
    const codes = (await Promise.all(acks)).map(codeOf);
    expect(codes.slice(0, -1)).to.deep.equal(codes.slice(0, -1).map(() => 'ok'));
    const last = await acks[acks.length - 1];
    expect(codeOf(last)).to.equal('rate_limited');
    if (!last.ok) expect(last.error.message).to.match(/not read/);

    // it stops reading again: broadcasts, which no event of its own asked for, fill it past the hard bound
    tcp.pause();
    const gone = serverSideGone(server(), slow.id!);
    await broadcastUntil(gone);
    expect(await gone).to.equal('forced close'); // the connection, not the Socket.IO session: a client reconnects
    await bobServed();
    const metrics = await request<string>(server(), 'GET', '/metrics');
    expect(metrics.body).to.match(/socketio_not_reading_closed_total [1-9]/);
    tcp.resume();
    expect(await disconnected(slow)).to.match(/^transport (close|error)$/);
  });

  it('over long-polling that stops polling: refused past the soft bound, closed past the hard bound', async () => {
    const { alice, bobServed, broadcastUntil } = await cast();
    const base = `${server().url}/socket.io/?EIO=4&transport=polling`;
    const poll = async (sid?: string) => {
      const res = await fetch(sid ? `${base}&sid=${sid}` : base);
      return { status: res.status, packets: (await res.text()).split('\x1e') };
    };
    const post = async (sid: string, packet: string) => {
      const res = await fetch(`${base}&sid=${sid}`, { method: 'POST', body: packet });
      expect(res.status).to.equal(200);
      await res.text();
    };
    const open0 = (await poll()).packets[0];
    const { sid } = JSON.parse(open0.slice(1)) as { sid: string };
    await post(sid, `40${JSON.stringify({ token: alice.token })}`);
    const connected = (await poll(sid)).packets[0]; // 40{"sid":...}: connected; from now on it does not poll
    const { sid: socketId } = JSON.parse(connected.slice(2)) as { sid: string };

    const before = await syncOutcomes(server());
    await post(sid, '421["sync",{}]'); // answered: about 400 KB wait in the server for a poll
    await answered(server(), before, 1);
    await post(sid, '422["sync",{}]'); // refused: the client has not read the first
    expect(await answered(server(), before, 2)).to.deep.equal({ ok: 1, rate_limited: 1, all: 2 });
    await bobServed();

    // one poll reads both answers, in order
    const acks = (await poll(sid)).packets.map((p) => {
      const m = /^43(\d+)(.*)$/.exec(p);
      if (!m) throw new Error(`not an ack: ${p.slice(0, 40)}`);
      return [Number(m[1]), (JSON.parse(m[2]) as [Ack<SyncResult>])[0]] as const;
    });
    expect(acks.map(([id, ack]) => [id, codeOf(ack)])).to.deep.equal([
      [1, 'ok'],
      [2, 'rate_limited'],
    ]);

    // it stops polling again: broadcasts past the hard bound close the session
    const gone = serverSideGone(server(), socketId);
    await broadcastUntil(gone);
    expect(await gone).to.equal('forced close');
    expect((await poll(sid)).status).to.equal(400); // the session is no more: the client starts a new one
    await bobServed();
  });
});
