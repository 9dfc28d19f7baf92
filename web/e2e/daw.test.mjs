// A new user's first minutes, in the real app through our server: import a WAV and a MIDI file,
// see their clips, play (the playhead and the master meter move), drag a clip and undo it, mute a
// track and see its meter fall, reload and find the project intact (IndexedDB). Screenshots of
// the arrangement and the mixer are kept in web/test-results/.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { midiFile, sineWav } from './support/files.mjs';
import { launchBrowser, screenshotPath, startServer } from './support/stack.mjs';

let server;
let browser;
let page;
const pageErrors = [];
const work = mkdtempSync(join(tmpdir(), 'amplitude-daw-e2e-'));

const clips = () => page.locator('[data-testid="clip"]');
const peakOf = (testId) => page.getByTestId(testId).getAttribute('data-peak-db').then(Number);
const waitPeak = (testId, compare, threshold) =>
  page.waitForFunction(
    ([id, above, limit]) => {
      const value = Number(document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-peak-db'));
      return above ? value > limit : value < limit;
    },
    [testId, compare === '>', threshold],
    { timeout: 10_000 },
  );

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${server.url}/`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

it('imports a WAV and a MIDI file onto new tracks', async () => {
  const wav = sineWav(join(work, 'tone.wav'), { seconds: 8, amplitude: 0.5 });
  const mid = midiFile(join(work, 'melody.mid'), [[60, 0, 1], [64, 1, 1], [67, 2, 1], [72, 3, 1]]);
  await page.getByTestId('import-input').setInputFiles([wav, mid]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="clip"]').length === 2);
  assert.deepEqual(await clips().evaluateAll((els) => els.map((e) => e.dataset.kind).sort()), ['audio', 'midi']);
  // 8 s at 120 BPM is 16 beats; the clip is drawn that wide at 24 px per beat.
  const audio = page.locator('[data-testid="clip"][data-kind="audio"]');
  assert.equal(Math.round((await audio.boundingBox()).width), 16 * 24);
  await page.screenshot({ path: screenshotPath('daw-arrangement-imported') });
});

it('plays: the playhead and the master meter move', async () => {
  await page.keyboard.press('l'); // loop the first 4 bars, so the song keeps sounding
  await page.getByRole('button', { name: /Play/ }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="engine-status"]')?.getAttribute('data-status') === 'running');
  await waitPeak('peak-readout', '>', -20);
  const x1 = Number(await page.getByTestId('playhead-line').getAttribute('data-x'));
  await page.waitForTimeout(400);
  const x2 = Number(await page.getByTestId('playhead-line').getAttribute('data-x'));
  assert.ok(x2 > x1, `the playhead line moves (${x1} -> ${x2})`);
  assert.match(await page.getByTestId('position-bars').textContent(), /^\d+:\d+:\d{3}/);
  await page.screenshot({ path: screenshotPath('daw-arrangement-playing') });
});

it('moves a clip by dragging and undoes the move', async () => {
  const audio = page.locator('[data-testid="clip"][data-kind="audio"]');
  const box = await audio.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 50, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width / 2 + 96, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  assert.equal(await audio.getAttribute('data-start-beat'), '4', 'dragged 96 px = 4 beats, snapped to the beat');
  await page.keyboard.press('Control+z');
  assert.equal(await audio.getAttribute('data-start-beat'), '0', 'undo puts it back');
  await page.keyboard.press('Control+y');
  assert.equal(await audio.getAttribute('data-start-beat'), '4', 'redo moves it again');
  await page.keyboard.press('Control+z');
});

it('mutes a track in the mixer and its meter falls', async () => {
  await page.getByRole('tab', { name: 'Mix' }).click();
  const audioTrackId = await page.evaluate(() => {
    const meters = [...document.querySelectorAll('[data-testid^="meter-"]')];
    return meters[0].dataset.testid;
  });
  await waitPeak(audioTrackId, '>', -20);
  await page.screenshot({ path: screenshotPath('daw-mixer-playing') });
  await page.locator('[data-testid="mixer-strip"]').first().getByRole('button', { name: 'M' }).click();
  await waitPeak(audioTrackId, '<', -60);
  assert.ok((await peakOf('meter-master')) > -60, 'the MIDI track still plays into the master');
  await page.screenshot({ path: screenshotPath('daw-mixer-muted') });
});

it('keeps the project after a reload', async () => {
  await page.waitForTimeout(600); // the debounced save
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="clip"]').length === 2);
  await page.getByRole('tab', { name: 'Arrange' }).click();
  assert.equal(await page.locator('[data-testid="clip"][data-kind="audio"]').getAttribute('data-start-beat'), '0');
  assert.equal(await page.getByRole('button', { name: /^Mute tone/ }).getAttribute('aria-pressed'), 'true', 'the mute was saved');
  await page.waitForTimeout(300); // the audio comes back from IndexedDB and is drawn
  await page.screenshot({ path: screenshotPath('daw-arrangement-reloaded') });
  assert.deepEqual(pageErrors, []);
});
