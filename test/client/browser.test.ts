/**
 * The SDK in a real browser (headless Chromium): bundled by esbuild for the browser as an app would,
 * served from the server's origin, keeping its session, replica and queue in IndexedDB (and in
 * localStorage where IndexedDB is missing) across a page reload.
 */
import { expect } from 'chai';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { QueryTypes } from 'sequelize';
import { launchChromium } from '../support/browser';
import { testDb } from '../support/database';
import { inboxOf, registerUser, startServer, type TestServer } from '../support/server';
import type { TodoClient } from '../../sdk/index';

/** What the page's script sees of the bundle (window.TodoSDK) and keeps on window.client. */
interface PageApi {
  run(opts: { socketPath?: string; noIndexedDb?: boolean }): Promise<void>;
}

/** The page's globals the test reads. */
interface Win {
  TodoSDK: typeof import('../../sdk/index');
  client: TodoClient;
  localStorage: Record<string, string>;
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>sdk</title><script src="/sdk-test/sdk.js"></script>
<script>
  window.api = {
    async run({ socketPath, noIndexedDb }) {
      if (noIndexedDb) Object.defineProperty(window, 'indexedDB', { value: undefined });
      window.client = await TodoSDK.createClient({
        url: location.origin,
        storage: TodoSDK.browserStorage('sdk-test'),
        socketOptions: socketPath ? { path: socketPath, reconnection: false } : {},
      });
    },
  };
</script>`;

describe('client SDK in a browser (Chromium, IndexedDB and localStorage)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let browser: Browser;
  let bundle: string;

  before(async function () {
    browser = await launchChromium(this, 'SDK browser tests');
    server = await startServer();
    const out = await build({
      entryPoints: ['sdk/index.ts'],
      bundle: true,
      format: 'iife',
      globalName: 'TodoSDK',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    bundle = out.outputFiles[0].text;
  });
  after(async () => {
    await browser.close();
    await server.close();
  });

  /** A page at the server's origin whose HTML and bundle are the test's (the API and socket are the server's). */
  async function openPage(): Promise<{ page: Page; close: () => Promise<void> }> {
    const context = await browser.newContext();
    await context.route(`${server.url}/sdk-test/**`, (route) => {
      const url = route.request().url();
      return url.endsWith('/sdk.js')
        ? route.fulfill({ contentType: 'text/javascript', body: bundle })
        : route.fulfill({ contentType: 'text/html', body: PAGE });
    });
    const page = await context.newPage();
    await page.goto(`${server.url}/sdk-test/index.html`);
    return { page, close: () => context.close() };
  }

  for (const noIndexedDb of [false, true]) {
    it(`keeps session, replica and queue across a reload (${noIndexedDb ? 'localStorage' : 'IndexedDB'})`, async () => {
      const alice = await registerUser(server, 'Alice');
      const inbox = await inboxOf(server, alice.token);
      const { page, close } = await openPage();
      try {
        // first load: logged in and synced, then a task made while the socket cannot connect (queued)
        await page.evaluate(async (o) => (globalThis as unknown as { api: PageApi }).api.run(o), { noIndexedDb });
        const first = await page.evaluate(
          async ({ email, password, inbox }) => {
            const c = (globalThis as unknown as Win).client;
            await c.login(email, password);
            await c.synced();
            await c.createTask(inbox, { title: 'synced one' });
            const seen = { status: c.status, titles: c.tasks(inbox).map((t) => t.title) };
            c.close(); // writes what it holds now (else within 300 ms); a read after it (another connection) sees that
            const stored = await (globalThis as unknown as Win).TodoSDK.browserStorage('sdk-test').get('todo.replica');
            return { ...seen, stored: stored?.includes('synced one') };
          },
          { email: alice.email, password: alice.password, inbox },
        );
        expect(first).to.deep.equal({ status: 'online', titles: ['synced one'], stored: true });

        await page.reload();
        await page.evaluate(async (o) => (globalThis as unknown as { api: PageApi }).api.run(o), {
          noIndexedDb,
          socketPath: '/nowhere/',
        });
        const offline = await page.evaluate(async (inbox) => {
          const c = (globalThis as unknown as Win).client;
          void c.createTask(inbox, { title: 'queued in the browser' });
          const seen = { user: c.user?.email, pending: c.pendingCount(), titles: c.tasks(inbox).map((t) => t.title) };
          c.close(); // writes what it holds; a read after it (another connection) sees that
          const stored = await (globalThis as unknown as Win).TodoSDK.browserStorage('sdk-test').get('todo.queue');
          return { ...seen, stored: (JSON.parse(stored ?? '{}') as { queue?: unknown[] }).queue?.length };
        }, inbox);
        expect(offline).to.deep.equal({
          user: alice.email,
          pending: 1,
          titles: ['synced one', 'queued in the browser'],
          stored: 1,
        });

        // the second reload connects: the queue drains once
        await page.reload();
        await page.evaluate(async (o) => (globalThis as unknown as { api: PageApi }).api.run(o), { noIndexedDb });
        const after = await page.evaluate(async (inbox) => {
          const c = (globalThis as unknown as Win).client;
          const before = { pending: c.pendingCount(), titles: c.tasks(inbox).map((t) => t.title) };
          await c.synced();
          return { before, pending: c.pendingCount(), titles: c.tasks(inbox).map((t) => [t.title, t.pending]) };
        }, inbox);
        expect(after).to.deep.equal({
          before: { pending: 1, titles: ['synced one', 'queued in the browser'] },
          pending: 0,
          titles: [
            ['synced one', false],
            ['queued in the browser', false],
          ],
        });
        const rows = await testDb().sequelize.query<{ title: string }>(
          'SELECT title FROM tasks WHERE list_id = $1 ORDER BY created_at',
          { bind: [inbox], type: QueryTypes.SELECT },
        );
        expect(rows.map((r) => r.title)).to.deep.equal(['synced one', 'queued in the browser']);
        const storage = await page.evaluate(() => Object.keys((globalThis as unknown as Win).localStorage).sort());
        expect(storage).to.deep.equal(
          noIndexedDb ? ['sdk-test:todo.queue', 'sdk-test:todo.replica', 'sdk-test:todo.session'] : [],
        );
      } finally {
        await close();
      }
    });
  }
});
