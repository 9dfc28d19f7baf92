// Invariant of the app page in a realtime AudioContext: Play starts the engine and the level meter
// (read from the shared state view on each animation frame) rises to the level of the song (one
// looped clip of a -12 dBFS sine); Stop brings it back to silence. Screenshots of each state are
// kept in web/test-results/.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { sineWav } from './support/files.mjs';
import { launchBrowser, screenshotPath, startServer } from './support/stack.mjs';

const work = mkdtempSync(join(tmpdir(), 'amplitude-realtime-e2e-'));

let server;
let browser;
let page;
const pageErrors = [];

const peakDb = () => page.getByTestId('peak-readout').getAttribute('data-peak-db').then(Number);

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

it('plays, meters and stops', async () => {
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  await page.getByTestId('engine-status').waitFor();
  assert.equal(await page.getByTestId('engine-status').getAttribute('data-status'), 'idle');
  // The song: a -12 dBFS sine, 8 s long (4 bars at 120 BPM), looped.
  await page.getByTestId('import-input').setInputFiles(sineWav(join(work, 'minus12.wav'), { seconds: 8, amplitude: 10 ** (-12 / 20) }));
  await page.locator('[data-testid="clip"]').waitFor();
  await page.keyboard.press('l');
  await page.screenshot({ path: screenshotPath('skeleton-idle') });

  await page.getByRole('button', { name: /Play/ }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="engine-status"]')?.getAttribute('data-status') === 'running');
  // Unity strips at the centre: the peak meter settles at the clip's -12 dB.
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="peak-readout"]')?.getAttribute('data-peak-db')) > -13, null, { timeout: 10_000 });
  const playingPeak = await peakDb();
  assert.ok(Math.abs(playingPeak - -12) < 0.5, `peak while playing: ${playingPeak} dB`);
  const playhead1 = await page.getByTestId('playhead').textContent();
  await page.waitForTimeout(300);
  const playhead2 = await page.getByTestId('playhead').textContent();
  assert.notEqual(playhead1, playhead2, 'the playhead moves while playing');
  await page.screenshot({ path: screenshotPath('skeleton-playing') });

  await page.getByRole('button', { name: /Stop/ }).click();
  // The peak falls at 20 dB/s after the 2 ms fade-out: below -60 dB within about 2.5 s.
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="peak-readout"]')?.getAttribute('data-peak-db')) < -60, null, { timeout: 10_000 });
  await page.screenshot({ path: screenshotPath('skeleton-stopped') });
  assert.deepEqual(pageErrors, []);
});
