// Accounts and server projects in the real app through our server (a fresh SQLite database):
// sign up, sign out and in, upload the local project (revision 1), change it and save again
// (revision 2), open revision 1 read-only and restore it, share the project with a second
// account, and a save from a stale tab that the server refuses (409) with both ways out
// (overwrite, or load the server's version). Screenshots are kept in web/test-results/.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { launchBrowser, screenshotPath, startServer } from './support/stack.mjs';

const PASSWORD = 'correct horse battery';
let server;
let browser;
let page;
let stale;
const pageErrors = [];

const panelOf = (p) => p.getByRole('dialog', { name: 'Account & projects' });
const openPanel = async (p) => {
  if (!(await panelOf(p).isVisible())) await p.locator('.account-toggle').click();
  await panelOf(p).waitFor();
  return panelOf(p);
};
const serverLink = (p) => panelOf(p).getByTestId('server-link');
const waitLink = (p, pattern) => p.waitForFunction((source) => new RegExp(source).test(document.querySelector('[data-testid="server-link"]')?.textContent ?? ''), pattern.source, { timeout: 10_000 });
const setTempo = async (p, bpm) => {
  await p.getByLabel('Tempo').fill(String(bpm));
  await p.getByLabel('Tempo').press('Enter');
  await p.waitForFunction((value) => document.querySelector('input[aria-label="Tempo"]')?.value === value, String(bpm));
};
const tempoOf = (p) => p.getByLabel('Tempo').inputValue();
const revisionRow = (p, n) => panelOf(p).locator(`[data-testid="revision"][data-revision="${n}"]`);

/** A JSON API call from the test itself (no browser, so no Origin header and no CSRF token needed for log-in). */
async function api(method, path, body, cookie) {
  const headers = { 'Content-Type': 'application/json', ...(cookie ? { Cookie: cookie } : {}) };
  const response = await fetch(`${server.url}/api${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  return { status: response.status, body: await response.json().catch(() => null), cookie: response.headers.get('set-cookie')?.split(';')[0] };
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${server.url}/?live=off`); // explicit saves and 409s; live editing: collaboration.test.mjs
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

it('works signed out, signs up, signs out and signs in again', async () => {
  const panel = await openPanel(page);
  await panel.getByRole('tab', { name: 'Sign up' }).click();
  await panel.getByLabel('Username').fill('ada');
  await panel.getByLabel('Email').fill('ada@example.com');
  await panel.getByLabel(/^Password/).fill('too short');
  await panel.getByRole('button', { name: 'Create account' }).click();
  await panel.getByTestId('account-error').waitFor();
  assert.match(await panel.getByTestId('account-error').textContent(), /at least 12 characters/);
  await page.screenshot({ path: screenshotPath('accounts-sign-up-error') });

  await panel.getByLabel(/^Password/).fill(PASSWORD);
  await panel.getByRole('button', { name: 'Create account' }).click();
  await panel.getByTestId('signed-in-as').waitFor();
  assert.equal(await panel.getByTestId('signed-in-as').textContent(), 'ada');

  await panel.getByRole('button', { name: 'Sign out' }).click();
  await panel.getByRole('button', { name: 'Sign in' }).waitFor();
  await panel.getByLabel('Username or email').fill('ada@example.com');
  await panel.getByLabel(/^Password/).fill(PASSWORD);
  await panel.getByRole('button', { name: 'Sign in' }).click();
  await panel.getByTestId('signed-in-as').waitFor();
  assert.match(await page.locator('.account-toggle').textContent(), /ada/);
});

it('uploads the local project as revision 1, then saves a change as revision 2', async () => {
  const panel = await openPanel(page);
  assert.match(await serverLink(page).textContent(), /only in this browser/);
  await panel.getByRole('button', { name: 'Upload to server' }).click();
  await waitLink(page, /revision 1 · owner/);
  await setTempo(page, 90);
  await waitLink(page, /unsaved changes/);
  await panel.getByRole('button', { name: 'Save to server' }).click();
  await waitLink(page, /revision 2 · owner$/);
  await panel.locator('[data-testid="revision"]').nth(1).waitFor();
  assert.equal(await panel.locator('[data-testid="revision"]').count(), 2);
  assert.match(await panel.getByTestId('server-project').first().textContent(), /Untitled song.*rev 2.*mine/);
  await page.screenshot({ path: screenshotPath('accounts-saved-revision-2') });
});

it('opens revision 1 read-only, then restores it as revision 3', async () => {
  const panel = await openPanel(page);
  await revisionRow(page, 1).getByRole('button', { name: 'Open' }).click();
  await waitLink(page, /revision 1 \(read-only\) · owner$/);
  assert.equal(await tempoOf(page), '120');
  assert.equal(await panel.getByRole('button', { name: 'Save to server' }).isDisabled(), true);
  await page.locator('.read-only-banner').waitFor();
  await page.getByRole('button', { name: /Audio track/ }).click({ force: true });
  assert.equal(await page.locator('.track-header').count(), 0, 'an old revision takes no edits');
  await page.screenshot({ path: screenshotPath('accounts-revision-1-read-only') });

  await revisionRow(page, 1).getByRole('button', { name: 'Restore' }).click();
  await waitLink(page, /revision 3 · owner$/);
  assert.equal(await tempoOf(page), '120');
  assert.match(await revisionRow(page, 3).textContent(), /restored from #1/);
  assert.equal(await page.locator('.read-only-banner').count(), 0);
});

it('shares the project with a second account, who then sees it', async () => {
  const registered = await api('POST', '/accounts', { username: 'bob', email: 'bob@example.com', password: PASSWORD });
  assert.equal(registered.status, 201);
  const panel = await openPanel(page);
  await panel.getByLabel('Username or email to invite').fill('nobody-here');
  await panel.getByRole('button', { name: 'Invite' }).click();
  await panel.getByTestId('account-error').waitFor();
  assert.match(await panel.getByTestId('account-error').textContent(), /No account with that username or email/);

  await panel.getByLabel('Username or email to invite').fill('bob');
  await panel.getByLabel('Role').selectOption('editor');
  await panel.getByRole('button', { name: 'Invite' }).click();
  await panel.locator('[data-testid="member"]', { hasText: 'bob' }).waitFor();
  assert.match(await panel.locator('[data-testid="member"]', { hasText: 'bob' }).textContent(), /editor/);
  await page.screenshot({ path: screenshotPath('accounts-shared') });

  const bob = await api('POST', '/sessions', { login: 'bob', password: PASSWORD });
  assert.equal(bob.status, 201);
  const projects = await api('GET', '/projects', undefined, bob.cookie);
  assert.deepEqual(projects.body.projects.map((p) => [p.name, p.role, p.owner.username, p.headRevision]), [['Untitled song', 'editor', 'ada', 3]]);
});

it('refuses a save from a stale tab (409) and offers to overwrite or reload', async () => {
  stale = await browser.context.newPage();
  stale.on('pageerror', (error) => pageErrors.push(error.message));
  await stale.goto(`${server.url}/?live=off`);
  const stalePanel = await openPanel(stale);
  await stalePanel.getByTestId('signed-in-as').waitFor();
  await stalePanel.getByTestId('server-project').first().getByRole('button', { name: 'Open' }).click();
  await waitLink(stale, /revision 3/);

  // The first tab saves revision 4; the second, still on 3, is refused.
  await setTempo(page, 100);
  await panelOf(page).getByRole('button', { name: 'Save to server' }).click();
  await waitLink(page, /revision 4 · owner$/);
  await setTempo(stale, 140);
  await stalePanel.getByRole('button', { name: 'Save to server' }).click();
  await stalePanel.getByTestId('conflict').waitFor();
  assert.match(await stalePanel.getByTestId('conflict').textContent(), /server is at revision 4.*based on revision 3/);
  await stale.screenshot({ path: screenshotPath('accounts-conflict') });

  // Overwrite: saved against the current revision, so it becomes revision 5.
  await stalePanel.getByRole('button', { name: 'Save mine as the latest' }).click();
  await waitLink(stale, /revision 5 · owner$/);
  assert.equal(await stalePanel.getByTestId('conflict').count(), 0);

  // Now the first tab is stale: it drops its change and loads the server's (140 BPM).
  await setTempo(page, 80);
  await panelOf(page).getByRole('button', { name: 'Save to server' }).click();
  await panelOf(page).getByTestId('conflict').waitFor();
  await panelOf(page).getByRole('button', { name: /Load the server/ }).click();
  await waitLink(page, /revision 5 · owner$/);
  assert.equal(await tempoOf(page), '140');
  const head = await page.evaluate(() => fetch('/api/projects/1').then((r) => r.json()));
  assert.equal(head.revision.number, 5);
  assert.equal(head.document.transport.tempoChanges[0].beatsPerMinute, 140);
  await page.screenshot({ path: screenshotPath('accounts-reloaded') });
  assert.deepEqual(pageErrors, []);
});
