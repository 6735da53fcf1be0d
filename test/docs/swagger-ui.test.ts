/**
 * Swagger UI at /docs in real headless Chromium (test/support/browser.ts), offline:
 * every request the page makes stays on this server. A new user logs in through the page, which then
 * authorizes itself with the token, and creates a task that a connected socket receives live.
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { openApiDocument } from '../../server/docs/documents';
import type { Task } from '../../shared/types';
import { launchChromium } from '../support/browser';
import { devices, inboxOf, next, registerUser, request, startServer, type TestServer } from '../support/server';
const WAIT = 20_000;

/** Runs one operation of the page: opens it, "Try it out", fills the parameters and body, "Execute"; the status shown. */
async function tryOut(
  page: Page,
  opId: string,
  { params = {}, body }: { params?: Record<string, string>; body?: unknown },
): Promise<string> {
  const block = page.locator(`#${opId}`);
  await block.locator('.opblock-summary').first().click();
  await block.locator('button.try-out__btn').click();
  for (const [name, value] of Object.entries(params))
    await block.locator(`tr[data-param-name="${name}"] input`).fill(value);
  if (body !== undefined) await block.locator('textarea.body-param__text').fill(JSON.stringify(body));
  await block.locator('button.execute').click();
  const status = block.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor();
  return (await status.innerText()).trim();
}

describe('Swagger UI at /docs', function () {
  this.timeout(120_000);
  let server: TestServer;
  let browser: Browser;
  const open = devices(() => server);

  before(async function () {
    browser = await launchChromium(this, 'Swagger UI test');
    server = await startServer();
  });
  after(async () => {
    await browser?.close(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- unset when skipped
    await server?.close(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- unset when skipped
  });

  it('shows every route; a user logs in there and creates a task that a connected socket receives', async () => {
    const user = await registerUser(server);
    const inbox = await inboxOf(server, user.token);
    const socket = await open(user.token);

    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    const problems: string[] = [];
    const elsewhere: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith('data:')) elsewhere.push(r.url());
    });
    try {
      await page.goto(`${server.url}/docs`);
      const operations = Object.values(openApiDocument().paths as Record<string, object>).flatMap(Object.keys);
      await page
        .locator('.opblock')
        .nth(operations.length - 1)
        .waitFor();
      expect(await page.locator('.opblock').count(), 'one block per operation').to.equal(operations.length);

      expect(
        await tryOut(page, 'operations-auth-login', { body: { email: user.email, password: user.password } }),
      ).to.equal('200');
      // the page took the token: the Authorize button shows it is authorized
      await page.locator('.auth-wrapper .authorize.locked').waitFor();

      const title = `from Swagger UI ${String(Date.now())}`;
      const live = next(socket, 'task:created', (p) => p.task.title === title, WAIT);
      expect(
        await tryOut(page, 'operations-tasks-createTask', { params: { listId: inbox }, body: { title } }),
      ).to.equal('201');
      const { task } = await live;
      expect(task).to.deep.include({ listId: inbox, title, createdBy: user.user.id } satisfies Partial<Task>);
      expect(problems, 'no errors in the page (a CSP refusal is one)').to.deep.equal([]);
      expect(elsewhere, 'nothing fetched from another origin').to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('keeps the token of a login through a reload, and a log out there revokes it and removes it from localStorage', async () => {
    const user = await registerUser(server);
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    /** The bearer token Swagger UI keeps in localStorage (persistAuthorization), if any. */
    const kept = () =>
      page.evaluate<string | null>(
        `(() => { const a = JSON.parse(localStorage.getItem('authorized') || '{}'); return (a.bearer && a.bearer.value) || null; })()`,
      );
    try {
      await page.goto(`${server.url}/docs`);
      expect(
        await tryOut(page, 'operations-auth-login', { body: { email: user.email, password: user.password } }),
      ).to.equal('200');
      await page.locator('.auth-wrapper .authorize.locked').waitFor();
      const token = await kept();
      expect(token, 'the token kept in localStorage').to.be.a('string');
      await page.reload();
      await page.locator('.auth-wrapper .authorize.locked').waitFor(); // still authorized after the reload

      expect(await tryOut(page, 'operations-auth-logout', {})).to.equal('204');
      await page.locator('.auth-wrapper .authorize.unlocked').waitFor();
      expect(await kept(), 'the token left in localStorage').to.equal(null);
      expect((await request(server, 'GET', '/api/auth/me', { token: token! })).status).to.equal(401);
      await page.reload();
      await page.locator('.auth-wrapper .authorize.unlocked').waitFor();
      expect(problems).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
