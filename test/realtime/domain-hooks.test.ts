import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Server } from 'socket.io';
import type { IoServer } from '../../server/changes/notifier';
import type { DomainSocket, SocketDomain } from '../../server/core/socket-domain';
import type { Logger } from '../../server/core/logger';
import { createMetrics } from '../../server/core/metrics';
import { attachSockets } from '../../server/realtime/connection';
import { type ClientSocket, connect, ok, registerUser, startServer, type TestServer } from '../support/server';

/** Resolves once `done()` holds, looking every 10 ms for at most 5 s. */
async function waitFor(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('domain socket hooks', () => {
  let server: TestServer;
  let io: IoServer;
  let httpServer: http.Server;
  let url: string;
  const errors: unknown[] = [];
  const seen: string[] = [];
  let inRoom: boolean | undefined;
  let sockets: ClientSocket[] = [];

  const watching: SocketDomain = {
    events: { 'blocks:list': () => Promise.resolve({ blocks: [] }) },
    connected: (s: DomainSocket) => {
      seen.push(`connected ${s.userId} ${s.id}`);
      s.join('watched');
      inRoom = io.of('/').adapter.rooms.get('watched')?.has(s.id);
    },
    disconnected: (s: DomainSocket) => {
      seen.push(`disconnected ${s.userId} ${s.id}`);
    },
  };
  const failing: SocketDomain = {
    events: {},
    connected: () => Promise.reject(new Error('connected failed')),
    disconnected: () => {
      throw new Error('disconnected failed');
    },
  };

  before(async () => {
    server = await startServer({ socketAdapter: 'none' }); // registers the user; its ctx serves the sockets below
    httpServer = http.createServer();
    io = new Server(httpServer, { serveClient: false });
    // the server's logger, but its errors are kept
    const logger = Object.assign(Object.create(server.parts.ctx.logger) as Logger, {
      error: (obj: { err?: unknown }) => errors.push(obj.err),
    });
    attachSockets(io, { ...server.parts.ctx, logger }, createMetrics(server.parts.sequelize), [failing, watching]);
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    sockets.forEach((s) => s.close());
    sockets = [];
  });
  after(async () => {
    await io.close();
    await server.close();
  });

  it("calls every domain's connected and disconnected with the socket's user; a failing hook is logged and the socket served", async () => {
    const user = await registerUser(server);
    const socket = await connect({ url }, user.token);
    sockets.push(socket);
    await waitFor(() => seen.length === 1);
    const id = [...io.of('/').sockets.keys()][0];
    expect(seen).to.deep.equal([`connected ${user.user.id} ${id}`]);
    expect(inRoom, 'joined in the hook').to.equal(true);
    expect(await ok(socket, 'blocks:list', {})).to.deep.equal({ blocks: [] });

    socket.close();
    await waitFor(() => seen.length === 2);
    expect(seen[1]).to.equal(`disconnected ${user.user.id} ${id}`);
    expect(io.of('/').adapter.rooms.get('watched'), 'left at the disconnect').to.equal(undefined);
    await waitFor(() => errors.length === 2);
    expect(errors.map((e) => (e as Error).message).sort()).to.deep.equal(['connected failed', 'disconnected failed']);
  });
});
