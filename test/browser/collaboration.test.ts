/**
 * The web app's collaboration screens in real headless Chromium: two people (Alice, the owner, and Bob,
 * an editor) in two windows on one server, and Alice again on a phone. Assignees, presence, edits of
 * one task at the same time, Undo, role changes and the activity. Every wait is on the page.
 * Screenshots go to $SHOTS (default test-output/browser/collab, gitignored).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildWeb } from '../../dev/build-web';
import { projectRoot } from '../../server/core/paths';
import type { Task } from '../../shared/types';
import { launchChromium } from '../support/browser';
import { connect, ok, registerUser, startServer, tasksOf, type TestServer, type TestUser } from '../support/server';

const SHOTS = process.env.SHOTS ?? path.join(projectRoot, 'test-output', 'browser', 'collab');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 812 };
const WAIT = 15_000;

const task = (page: Page, title: string) => page.locator('.task', { has: page.getByText(title, { exact: true }) });
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

/** Waits until the page shows "Online" with nothing left to send. */
async function online(page: Page): Promise<void> {
  await page.locator('.status-online').waitFor();
  await page.locator('.status .pending').waitFor({ state: 'detached' });
}

async function openEditor(page: Page, title: string): Promise<void> {
  await task(page, title).locator('.task-title').click();
  await page.locator('.task-editor').waitFor();
}

// eslint-disable-next-line max-lines-per-function -- issue #17, not done yet: its tests share one browser session in order
describe('web app: collaboration in Chromium', function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let a: Page, b: Page;
  let listId: string;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];

  async function open(user: TestUser, viewport = DESKTOP): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('dialog', (d) => void d.accept());
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/#list=${listId}`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.locator('form').getByRole('button', { name: 'Log in' }).click();
    await online(page);
    await page.locator('#list-title', { hasText: 'Trip' }).waitFor();
    return page;
  }

  before(async function () {
    browser = await launchChromium(this, 'collaboration browser tests');
    fs.mkdirSync(SHOTS, { recursive: true });
    await buildWeb();
    server = await startServer();
    [alice, bob] = await Promise.all([registerUser(server, 'Alice Martin'), registerUser(server, 'Bob Chen')]);
    const socket = await connect(server, alice.token);
    listId = (await ok(socket, 'list:create', { name: 'Trip' })).list.id;
    for (const title of ['Book hotel', 'Pack bags', 'Buy tickets', 'Water plants'])
      await ok(socket, 'task:create', { listId, title });
    await ok(socket, 'list:share', { listId, email: bob.email, role: 'editor' });
    socket.close();
    [a, b] = await Promise.all([open(alice), open(bob)]);
  });
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    const name = this.currentTest.title.replace(/\W+/g, '-').slice(0, 40);
    await Promise.all([shot(a, `failed-${name}-a`), shot(b, `failed-${name}-b`)]);
  });
  after(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    await browser.close();
    await server.close();
    expect(errors, 'uncaught errors in the pages').to.deep.equal([]);
  });

  it('shows the faces of the people present on the list, and on the task each has open', async () => {
    await a.locator(`.list-meta .faces [data-user-id="${bob.user.id}"]`).waitFor();
    await b.locator(`.list-meta .faces [data-user-id="${alice.user.id}"]`).waitFor();
    expect(await a.getByRole('group', { name: 'Here now: Bob Chen' }).count()).to.equal(1);
    await openEditor(b, 'Water plants');
    await task(a, 'Water plants').locator(`.task-row > .faces [data-user-id="${bob.user.id}"]`).waitFor();
    await openEditor(a, 'Water plants');
    await b.locator('.also-here', { hasText: 'Also open for Alice Martin' }).waitFor();
    await shot(a, 'desktop-presence');
    await b.getByRole('button', { name: 'Cancel', exact: true }).click();
    await task(a, 'Water plants').locator('.task-row > .faces').waitFor({ state: 'detached' });
    await a.getByRole('button', { name: 'Cancel', exact: true }).click();
  });

  it('assigns a task to a member: the other window shows it on the row and in "Assigned to me"', async () => {
    await openEditor(a, 'Book hotel');
    await a.getByLabel('Assignee').selectOption({ label: 'Bob Chen' });
    await a.getByRole('button', { name: 'Save', exact: true }).click();
    await task(a, 'Book hotel').locator('.chip.assignee', { hasText: 'Bob Chen' }).waitFor();
    await task(b, 'Book hotel').locator('.chip.assignee', { hasText: 'You' }).waitFor();
    await b.locator('.sidebar').getByRole('button', { name: 'Assigned to me' }).click();
    await b.locator('#list-title', { hasText: 'Assigned to me' }).waitFor();
    await b.locator('.assigned-group', { hasText: 'Trip' }).locator('.task', { hasText: 'Book hotel' }).waitFor();
    expect(await b.locator('.assigned-view .task').count()).to.equal(1);
    await shot(b, 'desktop-assigned');
    // a task assigned to Bob while he looks at the view appears there live
    await openEditor(a, 'Buy tickets');
    await a.getByLabel('Assignee').selectOption({ label: 'Bob Chen' });
    await a.getByRole('button', { name: 'Save', exact: true }).click();
    await b.locator('.assigned-view .task', { hasText: 'Buy tickets' }).waitFor();
    await b.locator('.assigned-group').getByRole('button', { name: 'Trip' }).click();
    await b.locator('#list-title', { hasText: 'Trip' }).waitFor();
  });

  it('edits of different fields of one task at the same time are both kept; a clash keeps the typing', async () => {
    await Promise.all([openEditor(a, 'Pack bags'), openEditor(b, 'Pack bags')]);
    await a.getByLabel('Notes', { exact: true }).fill('Socks and a raincoat');
    await b.getByLabel('Title', { exact: true }).fill('Pack bags tonight');
    await b.getByRole('button', { name: 'Save', exact: true }).click();
    // Alice's open editor shows Bob's title (a field she is not editing) and keeps her notes
    await a.locator('.task-editor .news', { hasText: 'Just changed by Bob Chen' }).waitFor();
    expect(await a.getByLabel('Title', { exact: true }).inputValue()).to.equal('Pack bags tonight');
    expect(await a.getByLabel('Notes', { exact: true }).inputValue()).to.equal('Socks and a raincoat');
    await a.getByRole('button', { name: 'Save', exact: true }).click();
    for (const page of [a, b]) await task(page, 'Pack bags tonight').locator('.notes-chip').waitFor();
    await Promise.all([online(a), online(b)]);
    const saved = await taskOnServer('Pack bags tonight');
    expect(saved.notes).to.equal('Socks and a raincoat');

    // the same field: Alice is told, her typing is kept, and she chooses to keep hers
    await Promise.all([openEditor(a, 'Pack bags tonight'), openEditor(b, 'Pack bags tonight')]);
    await a.getByLabel('Title', { exact: true }).fill('Pack bags on Friday');
    await b.getByLabel('Title', { exact: true }).fill('Pack bags at noon');
    await b.getByRole('button', { name: 'Save', exact: true }).click();
    await a.locator('.clash', { hasText: 'Bob Chen changed the title to “Pack bags at noon”' }).waitFor();
    expect(await a.getByLabel('Title', { exact: true }).inputValue()).to.equal('Pack bags on Friday');
    await shot(a, 'desktop-editor-clash');
    await a.getByRole('button', { name: 'Keep mine' }).click();
    await a.getByRole('button', { name: 'Save', exact: true }).click();
    for (const page of [a, b]) await task(page, 'Pack bags on Friday').waitFor();
    await a
      .getByRole('status')
      .filter({ hasText: 'Saved “Pack bags on Friday”' })
      .getByRole('button', { name: 'Close' })
      .click();
  });

  it('undoes a change and a delete, and refuses an undo that would overwrite a later edit, saying why', async () => {
    await openEditor(a, 'Water plants');
    await a.getByLabel('Priority', { exact: true }).selectOption('3');
    await a.getByRole('button', { name: 'Save', exact: true }).click();
    await task(b, 'Water plants').locator('.prio-3').waitFor();
    const toast = a.locator('.toast', { hasText: 'Saved “Water plants”' });
    await shot(a, 'desktop-undo-toast');
    await toast.getByRole('button', { name: 'Undo' }).click();
    await a.locator('.notice.info', { hasText: 'Undone' }).waitFor();
    for (const page of [a, b]) await task(page, 'Water plants').locator('.prio-3').waitFor({ state: 'detached' });

    // Alice renames, Bob renames again, Alice's undo is refused: Bob's later title stays
    await openEditor(a, 'Water plants');
    await a.getByLabel('Title', { exact: true }).fill('Water the plants');
    await a.getByRole('button', { name: 'Save', exact: true }).click();
    await openEditor(b, 'Water the plants');
    await b.getByLabel('Title', { exact: true }).fill('Water the ferns');
    await b.getByRole('button', { name: 'Save', exact: true }).click();
    await task(a, 'Water the ferns').waitFor();
    await a.locator('.toast').getByRole('button', { name: 'Undo' }).click();
    await a.getByRole('alert').filter({ hasText: 'Not undone: Bob Chen changed the title since' }).waitFor();
    await online(a);
    expect((await taskOnServer('Water the ferns')).title).to.equal('Water the ferns');
    await a.getByRole('alert').getByRole('button', { name: 'Dismiss message' }).click();

    // a delete is undone by restoring the task from the trash (task:restore), in every window
    await b.getByRole('button', { name: 'Delete “Water the ferns”' }).click();
    const deleted = b.locator('.toast', { hasText: 'Deleted “Water the ferns”' });
    await task(a, 'Water the ferns').waitFor({ state: 'detached' });
    await deleted.getByRole('button', { name: 'Undo' }).click();
    for (const page of [a, b]) await task(page, 'Water the ferns').waitFor();
    await online(b);
    expect((await taskOnServer('Water the ferns')).title).to.equal('Water the ferns');
  });

  it('the owner changes a member’s role; the member’s own panel and rights follow live', async () => {
    await b.getByRole('button', { name: 'Members' }).click();
    await b.locator('.member-list li', { hasText: 'Bob Chen' }).locator('.role-editor').waitFor();
    await a.getByRole('button', { name: 'Members' }).click();
    await a.getByLabel('Access for Bob Chen').selectOption('viewer');
    await a.locator('.notice.info', { hasText: 'Bob Chen is now a viewer' }).waitFor();
    await b.locator('.member-list li', { hasText: 'Bob Chen' }).locator('.role-viewer').waitFor();
    await b.locator('.list-meta', { hasText: 'you are a viewer' }).waitFor();
    expect(await b.getByLabel('New task').count()).to.equal(0);
    await shot(a, 'desktop-members-roles');
    await a.getByLabel('Access for Bob Chen').selectOption('editor');
    await b.locator('.member-list li', { hasText: 'Bob Chen' }).locator('.role-editor').waitFor();
    await b.getByLabel('New task').waitFor();
    await Promise.all([a, b].map((p) => p.getByRole('button', { name: 'Members' }).click()));
  });

  it('reads the activity of the list and of one task, paged', async () => {
    // enough changes for more than one page (20 entries)
    const socket = await connect(server, alice.token);
    const tickets = await taskOnServer('Buy tickets');
    for (let i = 1; i <= 20; i++) await ok(socket, 'task:update', { id: tickets.id, patch: { notes: `Seats ${i}` } });
    socket.close();
    await a.getByRole('button', { name: 'Activity' }).click();
    const panel = a.locator('#list-activity');
    await panel.getByText('You edited the notes of “Buy tickets”').first().waitFor();
    await shot(a, 'desktop-activity');
    // older entries come a page (20) at a time, until the first
    for (let pages = 1; (await panel.getByText('You added “Book hotel”').count()) === 0; pages++) {
      expect(pages, 'pages read').to.be.below(5);
      const shown = await panel.locator('li').count();
      await panel.getByRole('button', { name: 'Show older' }).click();
      await panel.locator('li').nth(shown).waitFor();
    }
    await panel.getByRole('button', { name: 'Show older' }).waitFor({ state: 'detached' });
    await panel.getByText('You changed Bob Chen’s role from viewer to editor').waitFor();
    // the task deleted and restored: its title is known again, for both entries
    await panel.getByText('Bob Chen deleted “Water the ferns”').waitFor();
    await panel.getByText('Bob Chen restored “Water the ferns”').waitFor();
    await panel.getByText('Bob Chen changed the title from “Pack bags” to “Pack bags tonight”').waitFor();
    // a new change shows up in the open panel
    await b.getByRole('checkbox', { name: 'Done: Book hotel' }).check();
    await panel.getByText('Bob Chen marked “Book hotel” done').waitFor();
    await a.getByRole('button', { name: 'Activity' }).click();

    await openEditor(b, 'Book hotel');
    await b.getByRole('button', { name: 'History' }).click();
    const history = b.locator(`#history-${(await taskOnServer('Book hotel')).id}`);
    await history.getByText('Alice Martin assigned it to you').waitFor();
    await history.getByText('You marked it done').waitFor();
    expect(await history.locator('li').count()).to.equal(3); // created, assigned, done
    await b.getByRole('button', { name: 'Cancel', exact: true }).click();
  });

  it('at phone size: faces, assignees, the editor, the activity and Assigned to me fit the screen', async () => {
    const phone = await open(bob, PHONE);
    await phone.locator(`.list-meta .faces [data-user-id="${alice.user.id}"]`).waitFor();
    await shot(phone, 'phone-list');
    expect(await phone.evaluate('document.documentElement.scrollWidth')).to.be.at.most(PHONE.width);
    await openEditor(phone, 'Buy tickets');
    await shot(phone, 'phone-editor');
    expect(await phone.evaluate('document.documentElement.scrollWidth')).to.be.at.most(PHONE.width);
    await phone.getByRole('button', { name: 'Cancel', exact: true }).click();
    await phone.getByRole('button', { name: 'Activity' }).click();
    await phone.locator('#list-activity li').first().waitFor();
    await shot(phone, 'phone-activity');
    expect(await phone.evaluate('document.documentElement.scrollWidth')).to.be.at.most(PHONE.width);
    await phone.getByRole('button', { name: 'Lists' }).click();
    await phone.locator('.sidebar').getByRole('button', { name: 'Assigned to me' }).click();
    await phone.locator('.assigned-view .task', { hasText: 'Buy tickets' }).waitFor();
    await shot(phone, 'phone-assigned');
    await phone.locator('.assigned-group').getByRole('button', { name: 'Trip' }).click();
    await openEditor(phone, 'Pack bags on Friday');
    await phone.getByLabel('Priority', { exact: true }).selectOption('2');
    await phone.getByRole('button', { name: 'Save', exact: true }).click();
    await phone.locator('.toast', { hasText: 'Saved' }).waitFor();
    await shot(phone, 'phone-undo-toast');
    expect(await phone.evaluate('document.documentElement.scrollWidth')).to.be.at.most(PHONE.width);
  });

  /** The task with this title as the server has it (REST, Alice's token). */
  async function taskOnServer(title: string): Promise<Task> {
    const { tasks } = await tasksOf(server, alice.token, listId);
    const found = tasks.find((t: Task) => t.title === title);
    if (!found) throw new Error(`no task “${title}” on the server: ${tasks.map((t: Task) => t.title).join(', ')}`);
    return found;
  }
});
