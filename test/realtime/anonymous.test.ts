/**
 * Connections that have not authenticated yet (an Engine.IO session whose Socket.IO CONNECT was not
 * accepted): few per client address, bounded in all, closed at 5 s whatever the transport; past a
 * bound the Engine.IO handshake is answered 429 before a session is made. Sessions are opened by
 * hand (a polling GET, no token), as a flood would.
 */
import { expect } from 'chai';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import { type ClientSocket, connect, registerUser, startServer, type TestServer, watchEvents } from '../support/server';

interface Handshake {
  status: number;
  /** The session id, when one was opened. */
  sid?: string;
  headers: Headers;
  body: string;
}

const POLLING = '/socket.io/?EIO=4&transport=polling';

/** An Engine.IO polling handshake with no token and no CONNECT, from `from` (X-Forwarded-For) if given. */
async function anonymous(server: TestServer, from?: string): Promise<Handshake> {
  const res = await fetch(server.url + POLLING, { headers: from ? { 'x-forwarded-for': from } : {} });
  const body = await res.text();
  const sid = res.status === 200 ? (JSON.parse(body.slice(1)) as { sid: string }).sid : undefined;
  return { status: res.status, sid, headers: res.headers, body };
}

/** Sends Engine.IO packets on a polling session (POST); resolves with the server's "ok". */
async function post(server: TestServer, sid: string, packets: string): Promise<string> {
  const res = await fetch(`${server.url}${POLLING}&sid=${sid}`, { method: 'POST', body: packets });
  return res.text();
}

/** Sends the Socket.IO CONNECT with `token` on a polling session and waits for the server's CONNECT. */
async function authenticate(server: TestServer, sid: string, token: string): Promise<void> {
  expect(await post(server, sid, `40${JSON.stringify({ token })}`)).to.equal('ok');
  const answer = await (await fetch(`${server.url}${POLLING}&sid=${sid}`)).text();
  expect(answer, 'the CONNECT was accepted').to.match(/^40\{"sid"/);
}

/** The status of a WebSocket handshake straight to the websocket transport (no polling first). */
function websocketStatus(server: TestServer, from: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, {
      headers: { 'x-forwarded-for': from },
    });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      resolve(res.statusCode ?? 0);
    });
    ws.once('error', reject);
  });
}

const statuses = async (handshakes: Promise<Handshake>[]) => (await Promise.all(handshakes)).map((h) => h.status);

describe('anonymous connections', () => {
  const servers: TestServer[] = [];
  const start = async (overrides: Parameters<typeof startServer>[0]) => {
    const server = await startServer(overrides);
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('refuses a handshake past MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS with a 429, each address (as Express sees it) apart', async () => {
    const server = await start({ trustProxy: 'loopback', maxAnonymousPerAddress: 3 });
    expect(await statuses([1, 2, 3].map(() => anonymous(server, '10.0.0.1')))).to.deep.equal([200, 200, 200]);
    const refused = await anonymous(server, '10.0.0.1');
    expect(refused.status).to.equal(429);
    expect(refused.headers.get('retry-after')).to.equal('5');
    expect(JSON.parse(refused.body)).to.deep.equal({ code: 4, message: 'too_many_connections' });
    expect(server.parts.io.engine.clientsCount, 'no session was made for it').to.equal(3);
    // straight to WebSocket, the same
    expect(await websocketStatus(server, '10.0.0.1')).to.equal(429);
    // another address has its own places
    expect((await anonymous(server, '10.0.0.2')).status).to.equal(200);
    expect(await websocketStatus(server, '10.0.0.3')).to.equal(101);
  });

  it('believes X-Forwarded-For only when TRUST_PROXY says so', async () => {
    const server = await start({ trustProxy: false, maxAnonymousPerAddress: 2 });
    const from = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
    expect(await statuses(from.map((a) => anonymous(server, a)))).to.deep.equal([200, 200, 429]);
  });

  it('gives the address its place back when a connection authenticates or closes', async () => {
    const server = await start({ maxAnonymousPerAddress: 2 });
    const { token } = await registerUser(server);
    const [a, b] = await Promise.all([anonymous(server), anonymous(server)]);
    expect((await anonymous(server)).status).to.equal(429);
    await authenticate(server, a.sid!, token); // a device now: no longer anonymous
    expect((await anonymous(server)).status).to.equal(200);
    expect((await anonymous(server)).status).to.equal(429);
    await post(server, b.sid!, '1'); // Engine.IO's close packet: the session ends before the POST is answered
    expect((await anonymous(server)).status).to.equal(200);
  });

  it('bounds the anonymous connections of the process together (MAX_ANONYMOUS_CONNECTIONS)', async () => {
    const server = await start({ trustProxy: 'loopback', maxAnonymousPerAddress: 2, maxAnonymous: 3 });
    const [a] = await Promise.all([anonymous(server, '10.0.0.1'), anonymous(server, '10.0.0.1')]);
    expect((await anonymous(server, '10.0.0.2')).status).to.equal(200);
    expect((await anonymous(server, '10.0.0.2')).status).to.equal(429);
    expect((await anonymous(server, '10.0.0.3')).status).to.equal(429);
    await post(server, a.sid!, '1');
    expect((await anonymous(server, '10.0.0.3')).status).to.equal(200);
  });

  it('closes an anonymous polling connection at 5 s, not when its transport would (30 s), and frees its place', async function () {
    this.timeout(25_000);
    const server = await start({ maxAnonymousPerAddress: 1 });
    const opened = new Promise<{ once(event: 'close', f: () => void): void }>((resolve) =>
      server.parts.io.engine.once('connection', resolve),
    );
    const started = Date.now();
    const { sid } = await anonymous(server); // and never polls again, as a flood does
    const conn = await opened;
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('still open after 15 s')), 15_000);
      conn.once('close', () => {
        clearTimeout(timer);
        resolve(Date.now() - started);
      });
    });
    expect(closedAfter).to.be.at.least(4_500);
    expect(server.parts.io.engine.clientsCount).to.equal(0);
    const poll = await fetch(`${server.url}${POLLING}&sid=${sid!}`);
    expect(poll.status, 'the session is gone').to.equal(400);
    expect((await anonymous(server)).status, 'its place is free').to.equal(200);
  });

  it('socket.io-client takes a refusal as a transport error, and connects by itself once a place is free', async () => {
    const server = await start({ maxAnonymousPerAddress: 1 });
    const { token } = await registerUser(server);
    const held = await anonymous(server);
    const socket: ClientSocket = io(server.url, {
      auth: { token },
      forceNew: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 100,
    });
    watchEvents(socket);
    try {
      const refused = await new Promise<Error & { type?: string; description?: unknown }>((resolve) =>
        socket.once('connect_error', resolve),
      );
      expect(refused.type).to.equal('TransportError');
      expect(refused.description).to.equal(429);
      expect(socket.active, 'it will try again').to.equal(true);
      const connected = new Promise<void>((resolve) => socket.once('connect', resolve));
      await post(server, held.sid!, '1');
      await connected;
    } finally {
      socket.close();
    }
  });

  it('never refuses a device or a page reload: only connections that stay anonymous hold places', async () => {
    const server = await start({ maxAnonymousPerAddress: 2 });
    const { token } = await registerUser(server);
    expect((await anonymous(server)).status).to.equal(200);
    // five reloads of a page: polling first, then the upgrade to WebSocket, as a browser connects
    for (let i = 0; i < 5; i += 1) {
      const socket = await connect(server, { auth: { token }, transports: ['polling', 'websocket'] });
      socket.close();
    }
    const device = await connect(server, token); // and one that stays
    expect((await anonymous(server)).status).to.equal(200);
    expect((await anonymous(server)).status, 'two anonymous: the bound').to.equal(429);
    device.close();
  });
});
