/**
 * The documents against the server: every route Express serves and every event the server handles or
 * emits is documented, and nothing documented is missing from the server.
 */
import { expect } from 'chai';
import { ClientEvent, ServerEvent } from '../../shared/events';
import { authEvents } from '../../server/auth/auth.socket';
import { asyncApiDocument, openApiDocument } from '../../server/docs/documents';
import { listEvents } from '../../server/lists/list.socket';
import { presenceEvents } from '../../server/presence/presence.socket';
import { syncEvents } from '../../server/sync/sync.socket';
import { commentEvents } from '../../server/comments/comment.socket';
import { taskEvents } from '../../server/tasks/task.socket';
import { call, devices, registerUser, useServer } from '../support/server';

type Json = Record<string, unknown>;

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  rawPath?: unknown;
  handle: { stack?: Layer[] };
}

/** `METHOD /path` of every route in an Express router, nested routers followed (Express 5's router). */
function routesOf(stack: Layer[], prefix = ''): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const paths = ([] as string[]).concat(layer.route.path);
      for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all'))
        for (const path of paths) out.push(`${method.toUpperCase()} ${(prefix + path).replace(/:(\w+)/g, '{$1}')}`);
    } else if (layer.handle.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      out.push(...routesOf(layer.handle.stack, prefix + mount));
    }
  }
  return out;
}

describe('API documents cover the server', function () {
  this.timeout(60_000);
  const server = useServer();
  const open = devices(server);

  it('documents every route Express serves, and no route it does not; the rest serve pages, not the API', async () => {
    const served = routesOf((server().parts.app as unknown as { router: { stack: Layer[] } }).router.stack);
    const paths = openApiDocument().paths as Record<string, Json>;
    const documented = Object.entries(paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(served).to.have.length.greaterThan(15);
    expect(
      documented.filter((r) => !served.includes(r)),
      'documented, not served',
    ).to.deep.equal([]);
    // a route the documents leave out must be a page or file of the web app (server/http/web.ts): a GET
    // that answers no JSON. Anything else (another method, JSON, a 404 from no route) is an API route
    const pages: string[] = [];
    for (const route of served.filter((r) => !documented.includes(r))) {
      const [method, path] = route.split(' ') as [string, string];
      if (method !== 'GET' || path.includes('{')) continue;
      const res = await fetch(server().url + path);
      await res.arrayBuffer();
      if (!(res.headers.get('content-type') ?? '').startsWith('application/json')) pages.push(route);
    }
    expect(
      served.filter((r) => !documented.includes(r) && !pages.includes(r)),
      'served, not documented',
    ).to.deep.equal([]);
  });

  it('documents every client event the server handles, each answered by the server (not as unknown)', async () => {
    const { ctx } = server().parts;
    const handled = Object.keys({
      ...authEvents(ctx),
      ...listEvents(ctx),
      ...taskEvents(ctx),
      ...commentEvents(ctx),
      ...syncEvents(ctx),
      ...presenceEvents(server().parts.presence),
    });
    const operations = Object.values(asyncApiDocument().operations as Record<string, Json>);
    const documented = operations
      .filter((op) => op.action === 'receive')
      .map((op) => (op['x-socketio'] as { event?: string }).event)
      .filter((e) => e !== undefined);
    expect([...handled].sort(), 'the domains\u2019 events').to.deep.equal([...documented].sort());
    expect(Object.values(ClientEvent).sort(), 'shared/events.ts').to.deep.equal([...documented].sort());

    // and the server answers each as an event it knows: its schema's validation_error, not "Unknown event"
    const socket = await open((await registerUser(server())).token);
    for (const event of documented) {
      const ack = await call(socket, event as (typeof ClientEvent)[keyof typeof ClientEvent], 'not an object');
      expect(ack.ok, event).to.equal(false);
      if (!ack.ok) {
        expect(ack.error.message, event).not.to.match(/^Unknown event/);
        expect(ack.error.code, event).to.equal('validation_error');
      }
    }
    const unknown = await call(socket, 'task:crate' as 'task:create', {});
    expect(unknown).to.deep.include({ ok: false });
  });

  it('documents every server event (the typed map the server emits through), and only those', () => {
    const operations = Object.values(asyncApiDocument().operations as Record<string, Json>);
    const documented = operations
      .filter((op) => op.action === 'send')
      .map((op) => (op['x-socketio'] as { event?: string }).event)
      .sort();
    expect(documented).to.deep.equal(Object.values(ServerEvent).sort());
  });
});
