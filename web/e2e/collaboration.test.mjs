// Two people editing one project live, each in their own browser, through our server (a fresh
// SQLite database): edits appear on the other side, concurrent edits of different properties are
// both kept, a concurrent change of the same property converges on the server's order, an edit
// made offline to a track someone deleted meanwhile is refused with its reason and both end up
// with the same document, presence shows who is here, and a reload resumes. Every check compares
// what each page shows with the server's head document.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { launchBrowser, screenshotPath, startServer } from './support/stack.mjs';

const PASSWORD = 'correct horse battery';
let server;
const people = {}; // name -> { browser, page }
const pageErrors = [];

const panelOf = (page) => page.getByRole('dialog', { name: 'Account & projects' });
async function openPanel(page) {
  if (!(await panelOf(page).isVisible())) await page.locator('.account-toggle').click();
  await panelOf(page).waitFor();
  return panelOf(page);
}
const liveRevision = (page) => page.getByTestId('live-status').getAttribute('data-revision').then(Number);
const waitLive = (page) => page.waitForFunction(() => document.querySelector('[data-testid="live-status"]')?.dataset.live === 'live', null, { timeout: 10_000 });
/** Waits until the page shows the revision and has nothing left to send. */
const waitSettled = (page, revision) =>
  page.waitForFunction(
    (want) => {
      const status = document.querySelector('[data-testid="live-status"]');
      return status?.dataset.live === 'live' && Number(status.dataset.revision) >= want && /every change saved/.test(status.textContent);
    },
    revision,
    { timeout: 10_000 },
  );
const trackNames = (page) => page.locator('input[aria-label="Track name"]').evaluateAll((inputs) => inputs.map((i) => i.value));
const waitTrackNames = (page, names) =>
  page.waitForFunction((want) => JSON.stringify([...document.querySelectorAll('input[aria-label="Track name"]')].map((i) => i.value)) === want, JSON.stringify(names), { timeout: 10_000 });
async function rename(page, index, name) {
  const input = page.locator('input[aria-label="Track name"]').nth(index);
  await input.fill(name);
  await input.blur();
}
async function setTempo(page, bpm) {
  await page.getByLabel('Tempo').fill(String(bpm));
  await page.getByLabel('Tempo').press('Enter');
  await page.getByLabel('Tempo').blur();
}
const head = () => fetch(`${server.url}/api/projects/1`, { headers: { Cookie: people.ada.cookie } }).then((r) => r.json());

async function join(name) {
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
  await page.goto(`${server.url}/`);
  const panel = await openPanel(page);
  await panel.getByLabel('Username or email').fill(name);
  await panel.getByLabel(/^Password/).fill(PASSWORD);
  await panel.getByRole('button', { name: 'Sign in' }).click();
  await panel.getByTestId('signed-in-as').waitFor();
  const cookie = (await browser.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  people[name] = { browser, page, cookie };
  return page;
}

before(async () => {
  server = await startServer();
  for (const name of ['ada', 'bob']) {
    const response = await fetch(`${server.url}/api/accounts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: name, email: `${name}@example.com`, password: PASSWORD }),
    });
    assert.equal(response.status, 201);
  }
});

after(async () => {
  for (const { browser } of Object.values(people)) await browser.close();
  await server?.stop();
});

it('goes live when a project is uploaded, and a collaborator joins it', async () => {
  const ada = await join('ada');
  for (let i = 0; i < 3; ++i) await ada.getByRole('button', { name: /Audio track/ }).click();
  const panel = await openPanel(ada);
  await panel.getByRole('button', { name: 'Upload to server' }).click();
  await waitLive(ada);
  await panel.getByLabel('Username or email to invite').fill('bob');
  await panel.getByLabel('Role').selectOption('editor');
  await panel.getByRole('button', { name: 'Invite' }).click();
  await panel.locator('[data-testid="member"]', { hasText: 'bob' }).waitFor();

  const bob = await join('bob');
  const bobPanel = await openPanel(bob);
  await bobPanel.getByTestId('server-project').first().getByRole('button', { name: 'Open' }).click();
  await waitLive(bob);
  assert.deepEqual(await trackNames(bob), await trackNames(ada));
  assert.equal((await trackNames(bob)).length, 3);
  // Presence: each sees the other.
  await ada.getByTestId('peers').getByText('bob').waitFor();
  await bob.getByTestId('peers').getByText('ada').waitFor();
  assert.match(await ada.locator('.account-toggle').textContent(), /2 here/);
});

it("shows each person's edit to the other, and keeps both of two concurrent edits", async () => {
  const { ada } = { ada: people.ada.page };
  const bob = people.bob.page;
  const start = await liveRevision(ada);
  await rename(ada, 0, 'Drums');
  await waitTrackNames(bob, ['Drums', ...(await trackNames(bob)).slice(1)]);

  // Concurrent: neither waits for the other.
  await Promise.all([rename(ada, 1, 'Bass'), rename(bob, 2, 'Vocals')]);
  await waitTrackNames(ada, ['Drums', 'Bass', 'Vocals']);
  await waitTrackNames(bob, ['Drums', 'Bass', 'Vocals']);
  const document = (await head()).document;
  assert.deepEqual(document.tracks.filter((t) => t.kind === 'audio').map((t) => t.name), ['Drums', 'Bass', 'Vocals']);
  assert.equal((await head()).revision.number, start + 3, 'one revision per edit');
  await waitSettled(ada, start + 3);
  await waitSettled(bob, start + 3);
  await ada.screenshot({ path: screenshotPath('collaboration-ada') });
});

it('converges on the server order when both change the same property at once', async () => {
  const ada = people.ada.page;
  const bob = people.bob.page;
  await Promise.all([setTempo(ada, 100), setTempo(bob, 130)]);
  const revision = (await head()).revision.number;
  await waitSettled(ada, revision);
  await waitSettled(bob, revision);
  const serverTempo = (await head()).document.transport.tempoChanges[0].beatsPerMinute;
  assert.ok([100, 130].includes(serverTempo));
  await ada.waitForFunction((bpm) => document.querySelector('input[aria-label="Tempo"]').value === String(bpm), serverTempo);
  await bob.waitForFunction((bpm) => document.querySelector('input[aria-label="Tempo"]').value === String(bpm), serverTempo);
});

it('refuses an offline edit to a track deleted meanwhile, and both converge', async () => {
  const ada = people.ada.page;
  const bob = people.bob.page;
  await people.bob.browser.context.setOffline(true);
  await bob.waitForFunction(() => document.querySelector('[data-testid="live-status"]')?.dataset.live === 'offline', null, { timeout: 15_000 });
  await rename(bob, 2, 'Lead vocal'); // kept while offline
  await bob.waitForFunction(() => /1 change kept/.test(document.querySelector('[data-testid="live-status"]')?.textContent ?? ''));

  // Ada deletes that track meanwhile.
  const before = (await head()).revision.number;
  await ada.getByRole('button', { name: 'Delete track Vocals' }).click();
  await waitTrackNames(ada, ['Drums', 'Bass']);
  await waitSettled(ada, before + 1);

  await people.bob.browser.context.setOffline(false);
  await bob.getByTestId('live-refused').waitFor({ timeout: 20_000 });
  assert.match(await bob.getByTestId('live-refused').textContent(), /someone deleted what it changed/);
  await waitTrackNames(bob, ['Drums', 'Bass']);
  const after = await head();
  assert.equal(after.revision.number, before + 1, 'the refused edit stored nothing');
  assert.deepEqual(after.document.tracks.filter((t) => t.kind === 'audio').map((t) => t.name), ['Drums', 'Bass']);
  await bob.screenshot({ path: screenshotPath('collaboration-refused') });
});

it('resumes after a reload with the same document and nothing sent twice', async () => {
  const ada = people.ada.page;
  const bob = people.bob.page;
  const before = await head();
  await ada.reload();
  await openPanel(ada); // the live status is shown in the panel
  await waitLive(ada);
  assert.deepEqual(await trackNames(ada), ['Drums', 'Bass']);
  await rename(bob, 1, 'Bass DI');
  await waitTrackNames(ada, ['Drums', 'Bass DI']);
  const after = await head();
  assert.equal(after.revision.number, before.revision.number + 1);
  assert.deepEqual(pageErrors, []);
});
