// Export to WAV in the real app through our server: an empty song is refused in plain words;
// a WAV with one click at a known sample is imported, exported (the progress bar moves, the
// download arrives as "<project name>.wav"), and the file is read here: the click is at exactly
// that sample, at its level (fader 0 dB, pan centre: unity), and nowhere else; 16-bit is the same within its
// dither; Cancel stops an export without a download. Screenshots: web/test-results/export-*.png.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { midiFile } from './support/files.mjs';
import { launchBrowser, screenshotPath, startServer } from './support/stack.mjs';

const RATE = 48_000;
const SECONDS = 40; // long enough for several progress reports, small enough for the sample heap
const CLICK_AT = 123_457;
const CLICK = 0.5; // exactly 16384 in 16-bit
const CENTRE = 1; // the strip's pan is a balance, unity at centre (ChannelStripNode.h)

let server;
let browser;
let page;
const pageErrors = [];
const work = mkdtempSync(join(tmpdir(), 'amplitude-export-e2e-'));

/** A mono 16-bit WAV of silence with one sample at CLICK. */
function clickWav(path) {
  const frames = SECONDS * RATE;
  const bytes = Buffer.alloc(44 + frames * 2);
  bytes.write('RIFF', 0);
  bytes.writeUInt32LE(36 + frames * 2, 4);
  bytes.write('WAVEfmt ', 8);
  bytes.writeUInt32LE(16, 16);
  bytes.writeUInt16LE(1, 20);
  bytes.writeUInt16LE(1, 22);
  bytes.writeUInt32LE(RATE, 24);
  bytes.writeUInt32LE(RATE * 2, 28);
  bytes.writeUInt16LE(2, 32);
  bytes.writeUInt16LE(16, 34);
  bytes.write('data', 36);
  bytes.writeUInt32LE(frames * 2, 40);
  bytes.writeInt16LE(CLICK * 32768, 44 + 2 * CLICK_AT);
  writeFileSync(path, bytes);
  return path;
}

/** Reads a stereo WAV (16-bit PCM, 24-bit extensible, 32-bit float) into two Float64Arrays. */
function readWav(bytes) {
  assert.equal(bytes.toString('latin1', 0, 4), 'RIFF');
  assert.equal(bytes.toString('latin1', 8, 12), 'WAVE');
  let format;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = bytes.toString('latin1', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'fmt ') format = { code: bytes.readUInt16LE(at + 8), channels: bytes.readUInt16LE(at + 10), rate: bytes.readUInt32LE(at + 12), bits: bytes.readUInt16LE(at + 22) };
    if (id === 'data') {
      const width = format.bits / 8;
      const frames = size / (width * format.channels);
      const channels = [new Float64Array(frames), new Float64Array(frames)];
      for (let i = 0; i < frames; i++) {
        for (const c of [0, 1]) {
          const p = at + 8 + (i * format.channels + c) * width;
          channels[c][i] = format.code === 3 ? bytes.readFloatLE(p) : format.bits === 16 ? bytes.readInt16LE(p) / 32768 : bytes.readIntLE(p, 3) / 8388608;
        }
      }
      return { ...format, frames, channels };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}

/** Records every value the progress bar shows, once per animation frame, into window.__exportProgress. */
const watchProgress = () =>
  page.evaluate(() => {
    const seen = [];
    window.__exportProgress = seen;
    const look = () => {
      const bar = document.querySelector('[data-testid="export-progress"]');
      if (bar) {
        const value = Number(bar.getAttribute('data-fraction'));
        if (seen[seen.length - 1] !== value) seen.push(value);
      }
      if (!document.querySelector('[data-testid="export-done"]') && !document.querySelector('.export-error') && !document.querySelector('.export-note')) requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  });

const dialog = () => page.getByRole('dialog', { name: 'Export' });

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

it('refuses to export an empty song, in plain words', async () => {
  await page.getByRole('button', { name: 'Export…' }).click();
  await dialog().getByRole('button', { name: 'Export', exact: true }).click();
  const error = dialog().getByRole('alert');
  await error.waitFor();
  assert.match(await error.textContent(), /^The song is empty: there are no clips to export\.$/);
  await page.screenshot({ path: screenshotPath('export-error-empty') });
  await dialog().getByRole('button', { name: 'Close' }).click();
});

it('exports the song as 32-bit float: the click at its exact sample and level', async () => {
  await page.getByTestId('import-input').setInputFiles([clickWav(join(work, 'click.wav'))]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="clip"]').length === 1);
  await page.getByRole('button', { name: 'Export…' }).click();
  await dialog().getByLabel('Format').selectOption('32f');
  await page.screenshot({ path: screenshotPath('export-dialog') });

  const download = page.waitForEvent('download');
  await dialog().getByRole('button', { name: 'Export', exact: true }).click();
  const file = await download;
  await dialog().getByTestId('export-done').waitFor();
  await page.screenshot({ path: screenshotPath('export-done') });

  assert.equal(file.suggestedFilename(), 'Untitled song.wav');
  const wav = readWav(readFileSync(await file.path()));
  assert.deepEqual([wav.code, wav.channels.length, wav.rate, wav.bits], [3, 2, RATE, 32]);
  assert.equal(wav.frames, SECONDS * RATE, 'the song ends with its clip: nothing rings on after it');
  for (const channel of wav.channels) {
    let loudest = 0;
    channel.forEach((v, i) => {
      if (Math.abs(v) > Math.abs(channel[loudest])) loudest = i;
    });
    assert.equal(loudest, CLICK_AT, 'the click is at the sample it was imported at');
    assert.ok(Math.abs(channel[CLICK_AT] - CLICK * CENTRE) < 1e-6, `click level ${channel[CLICK_AT]}, expected ${CLICK * CENTRE}`);
    assert.equal(channel.filter((v) => v !== 0).length, 1, 'and nothing else sounds');
  }

  const renderMs = Number(await dialog().getByTestId('export-done').getAttribute('data-render-ms'));
  console.log(`browser export, one audio clip: ${SECONDS} s rendered in ${renderMs} ms = ${(SECONDS / (renderMs / 1000)).toFixed(0)}x real time`);
});

it('exports 16-bit: the same within one step plus dither', async () => {
  await dialog().getByLabel('Format').selectOption('16');
  const download = page.waitForEvent('download');
  await dialog().getByRole('button', { name: 'Export again' }).click();
  const wav = readWav(readFileSync(await (await download).path()));
  assert.deepEqual([wav.code, wav.bits, wav.frames], [1, 16, SECONDS * RATE]);
  for (const channel of wav.channels) {
    assert.ok(Math.abs(channel[CLICK_AT] * 32768 - CLICK * CENTRE * 32768) < 1.5, `click ${channel[CLICK_AT] * 32768} steps`);
    let worst = 0;
    channel.forEach((v, i) => i !== CLICK_AT && (worst = Math.max(worst, Math.abs(v * 32768))));
    assert.ok(worst <= 1, `silence is dither only (at most one step), got ${worst}`);
  }
});

it('shows the progress moving while a bigger song renders (two synth tracks of chords)', async () => {
  await dialog().getByRole('button', { name: 'Close' }).click();
  // Six-note chords every bar for the song's 40 s, on two instrument tracks: a few hundred ms of work.
  const chords = (root) => Array.from({ length: 20 }, (_, bar) => [0, 7, 12, 16, 19, 23].map((step) => [root + step, bar * 4, 3.5])).flat();
  await page.getByTestId('import-input').setInputFiles([midiFile(join(work, 'low.mid'), chords(48)), midiFile(join(work, 'high.mid'), chords(55))]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="clip"]').length === 3);
  await page.getByRole('button', { name: 'Export…' }).click();
  await watchProgress();
  const download = page.waitForEvent('download');
  await dialog().getByRole('button', { name: 'Export', exact: true }).click();
  await page.waitForFunction(() => {
    const fraction = Number(document.querySelector('[data-testid="export-progress"]')?.getAttribute('data-fraction'));
    return fraction > 0.2 && fraction < 1;
  });
  await page.screenshot({ path: screenshotPath('export-progress') });
  const wav = readWav(readFileSync(await (await download).path()));
  await dialog().getByTestId('export-done').waitFor();
  await page.screenshot({ path: screenshotPath('export-done') });
  const progress = await page.evaluate(() => window.__exportProgress);
  const inside = progress.filter((f) => f > 0 && f < 1);
  assert.ok(inside.length >= 3, `the progress bar moved through several values: ${progress.join(', ')}`);
  assert.deepEqual(inside, [...inside].sort((a, b) => a - b), 'and only forwards');
  // The click is still where it was, now with the chords around it.
  assert.ok(wav.frames >= SECONDS * RATE, 'the song lasts at least as long as its clips');
  const renderMs = Number(await dialog().getByTestId('export-done').getAttribute('data-render-ms'));
  console.log(`browser export, clip + 2 synth tracks: ${(wav.frames / RATE).toFixed(2)} s rendered in ${renderMs} ms = ${(wav.frames / RATE / (renderMs / 1000)).toFixed(0)}x real time; progress ${progress.map((f) => f.toFixed(2)).join(' ')}`);
});

it('cancels an export: no download, the dialog says so', async () => {
  await dialog().getByLabel('Format').selectOption('24');
  let downloaded = false;
  const onDownload = () => (downloaded = true);
  page.on('download', onDownload);
  await dialog().getByRole('button', { name: 'Export again' }).click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="export-progress"]')?.getAttribute('data-fraction')) > 0);
  await dialog().getByRole('button', { name: 'Cancel' }).click();
  await dialog().getByText('Export cancelled.').waitFor();
  await page.waitForTimeout(1500); // a render of this song is well over by now, had it gone on
  page.off('download', onDownload);
  assert.equal(downloaded, false);
  await page.screenshot({ path: screenshotPath('export-cancelled') });
});

it('exports stems: a ZIP of one WAV per track, each as long as the song', async () => {
  await dialog().getByLabel('Format').selectOption('16');
  await dialog().getByRole('checkbox').check();
  const download = page.waitForEvent('download');
  await dialog().getByRole('button', { name: 'Export again' }).click();
  const file = await download;
  assert.equal(file.suggestedFilename(), 'Untitled song stems.zip');
  const zip = readFileSync(await file.path());
  assert.equal(zip.readUInt32LE(0), 0x04034b50, 'a ZIP file');
  const text = zip.toString('latin1');
  for (const name of ['01 click.wav', '02 low.wav', '03 high.wav']) assert.ok(text.includes(name), `holds ${name}`);
  const stems = [...text.matchAll(/RIFF/g)].map((m) => readWav(zip.subarray(m.index)));
  assert.equal(stems.length, 3);
  for (const stem of stems) assert.equal(stem.frames, SECONDS * RATE);
  assert.ok(Math.abs(stems[0].channels[0][CLICK_AT] - CLICK) <= 1.5 / 32768, 'the click is in its own stem');
  assert.ok(Math.max(...stems[1].channels[0].subarray(0, RATE).map(Math.abs)) > 0.01, 'the chords are in theirs');
  await page.keyboard.press('Escape');
  await dialog().waitFor({ state: 'detached' });
  assert.deepEqual(pageErrors, []);
});
