// The piano roll in the real app through our server: make an instrument track and a MIDI clip,
// open the piano roll, draw four notes with the mouse, move one, resize one, change one velocity,
// undo and redo; then check the saved document (IndexedDB) note by note, and render that document
// through the real worklet engine (harness.html) to find each note's onset on its exact sample and
// its pitch by frequency. Screenshots go to web/test-results/piano-roll-*.png.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { zeroCrossingFrequency } from './support/analysis.mjs';
import { decodeChannel, launchBrowser, screenshotPath, startServer } from './support/stack.mjs';

let server;
let browser;
let page;
const pageErrors = [];

// The piano roll's geometry (src/app/pianoRoll/geometry.ts).
const VELOCITY_HEIGHT = 96;
const VELOCITY_PAD = 8;
const RATE = 48_000;
const FRAMES_PER_BEAT = 24_000; // 120 BPM

/** The four notes as they must end up: [pitch, startBeat, lengthBeats, MIDI velocity]. */
const EXPECTED = [
  [60, 0, 0.5, 100], // drawn at 1/16, resized to 1/8
  [64, 1, 0.25, 100],
  [69, 2, 0.25, 100], // drawn as G4 at 2.5, moved to A4 at 2
  [72, 3, 0.25, 64], // velocity dragged down to 64
];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${server.url}/`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Screen position of (clip-relative beat, pitch) in the note grid, `dx` pixels into the cell. */
async function gridPoint(beat, pitch, dx = 3) {
  const g = await page.getByTestId('piano-grid').evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left, top: r.top, ppb: Number(el.dataset.pixelsPerBeat), row: Number(el.dataset.rowHeight), sx: el.scrollLeft, sy: el.scrollTop };
  });
  return { x: g.left + beat * g.ppb - g.sx + dx, y: g.top + (127 - pitch) * g.row - g.sy + g.row / 2, ppb: g.ppb };
}

async function drag(from, to) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
}

/** The document the app saved in IndexedDB (JSON text). */
const savedText = () =>
  page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('amplitude');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction('documents', 'readonly').objectStore('documents').get('current');
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            open.result.close();
            resolve(request.result);
          };
        };
      }),
  );

const notesOf = (text) => {
  const track = JSON.parse(text).tracks.find((t) => t.kind === 'instrument');
  const clip = track.clips.find((c) => c.kind === 'midi');
  return clip.notes.map((n) => [n.pitch, n.startBeat, n.lengthBeats, Math.round(n.velocity * 127)]).sort((a, b) => a[1] - b[1]);
};

/** Polls the saved document (saving is debounced) until `check` passes; returns it. */
async function savedWhere(check, what) {
  let last = null;
  for (let i = 0; i < 50; i++) {
    last = await savedText();
    if (last && check(notesOf(last))) return last;
    await page.waitForTimeout(100);
  }
  assert.fail(`the saved document never showed ${what}: ${last && JSON.stringify(notesOf(last))}`);
}

const noteCount = () => page.getByTestId('piano-roll').getAttribute('data-note-count').then(Number);

it('opens a new MIDI clip in the piano roll', async () => {
  await page.getByRole('button', { name: '+ Instrument track' }).click();
  const timeline = await page.getByTestId('timeline').boundingBox();
  // Double-click the empty instrument lane in bar 1: a one-bar MIDI clip appears there, selected.
  await page.mouse.dblclick(timeline.x + 30, timeline.y + 26 + 32);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="clip"][data-kind="midi"]').length === 1);
  // Start audio (Play, Stop) so that auditioning reaches the engine.
  await page.getByRole('button', { name: /Play/ }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="engine-status"]')?.getAttribute('data-status') === 'running');
  await page.getByRole('button', { name: /Stop/ }).click();
  await page.getByRole('button', { name: 'Edit notes' }).click();
  await page.getByTestId('piano-roll').waitFor();
  assert.equal(await noteCount(), 0);
  assert.equal(await page.getByLabel('Grid').inputValue(), '0.25', 'the grid starts at 1/16');
});

it('draws four notes, moves one, resizes one and sets a velocity, each one undo step', async () => {
  const draws = [
    [60, 0],
    [64, 1],
    [67, 2.5],
    [72, 3],
  ];
  for (const [i, [pitch, beat]] of draws.entries()) {
    const p = await gridPoint(beat, pitch, 5);
    await page.mouse.click(p.x, p.y);
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="piano-roll"]').dataset.noteCount) === n, i + 1);
  }
  await page.screenshot({ path: screenshotPath('piano-roll-drawn') });
  assert.deepEqual(notesOf(await savedWhere((n) => n.length === 4, 'four notes')), [
    [60, 0, 0.25, 100],
    [64, 1, 0.25, 100],
    [67, 2.5, 0.25, 100],
    [72, 3, 0.25, 100],
  ]);

  // Move G4 at 2.5 to A4 at 2: grab its middle, drag half a beat left and two rows up.
  const grab = await gridPoint(2.5, 67, 12);
  const drop = await gridPoint(2, 69, 12);
  await drag(grab, drop);
  // Resize C4 from 1/16 to 1/8: grab 2 px inside its right end, drag a 1/16 to the right.
  const end = await gridPoint(0.25, 60, -2);
  await drag(end, { x: end.x + end.ppb * 0.25, y: end.y });
  // Velocity of C5 (beat 3) from 100 to 64: drag its bar in the velocity lane.
  const lane = await page.getByTestId('velocity-lane').boundingBox();
  const barX = (await gridPoint(3, 72, 1)).x;
  const yOf = (velocity) => lane.y + VELOCITY_PAD + (1 - velocity / 127) * (VELOCITY_HEIGHT - 2 * VELOCITY_PAD);
  await drag({ x: barX, y: yOf(100) }, { x: barX, y: yOf(64) });
  await savedWhere((n) => n[3]?.[3] === 64, 'the new velocity');
  assert.equal(await page.getByTestId('velocity-readout').textContent(), '64', 'the lane shows the selected note\'s velocity');
  await page.screenshot({ path: screenshotPath('piano-roll-edited') });

  await page.keyboard.press('Control+z');
  assert.deepEqual(notesOf(await savedWhere((n) => n[3]?.[3] === 100, 'the velocity undone'))[3], [72, 3, 0.25, 100]);
  await page.keyboard.press('Control+y');
  const text = await savedWhere((n) => n[3]?.[3] === 64, 'the velocity redone');
  assert.deepEqual(notesOf(text), EXPECTED);
  const note = JSON.parse(text).tracks.find((t) => t.kind === 'instrument').clips[0].notes.find((n) => n.pitch === 72);
  assert.equal(note.velocity, 64 / 127, 'velocities are kept on MIDI steps');
});

it('selects with a rubber band and shift-click', async () => {
  const from = await gridPoint(0.75, 70);
  const to = await gridPoint(2.4, 63);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 6 });
  await page.screenshot({ path: screenshotPath('piano-roll-band') });
  await page.mouse.up();
  const summary = page.locator('.pr-title .pr-muted');
  assert.match(await summary.textContent(), /4 notes · 2 selected/, 'the band takes E4 and A4');
  const c5 = await gridPoint(3, 72, 8);
  await page.keyboard.down('Shift');
  await page.mouse.click(c5.x, c5.y);
  await page.keyboard.up('Shift');
  assert.match(await summary.textContent(), /3 selected/);
  assert.equal(await page.getByTestId('velocity-readout').textContent(), 'mixed');
  await page.keyboard.press('Escape');
  assert.doesNotMatch(await summary.textContent(), /selected/);
});

it('edits from the keyboard: nudge, delete, select all', async () => {
  // Select A4 (click it), nudge it up and back down, right and back left: no net change, four undo steps.
  const a4 = await gridPoint(2, 69, 8);
  await page.mouse.click(a4.x, a4.y);
  for (const key of ['ArrowUp', 'ArrowDown', 'ArrowRight', 'ArrowLeft']) await page.keyboard.press(key);
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="piano-roll"]').dataset.noteCount) === 0);
  await page.keyboard.press('Control+z');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="piano-roll"]').dataset.noteCount) === 4);
  const text = await savedWhere((n) => n.length === 4, 'the notes back');
  assert.deepEqual(notesOf(text), EXPECTED);
  assert.equal(JSON.parse(text).tracks.flatMap((t) => t.clips).length, 1, 'Delete removed notes, not the clip');
  await page.screenshot({ path: screenshotPath('piano-roll-final') });
});

it('plays the notes on their exact samples at their pitches', async () => {
  const text = await savedText();
  const harness = await browser.context.newPage();
  await harness.goto(`${server.url}/harness.html`);
  await harness.waitForFunction(() => window.amplitudeHarness?.ready === true);
  const frames = 4.5 * FRAMES_PER_BEAT;
  const result = await harness.evaluate(([t, f]) => window.amplitudeHarness.renderProject(t, f), [text, frames]);
  await harness.close();
  assert.deepEqual(result.problems, []);
  assert.equal(result.state.commandsRejected, 0, `engine refused a command: code ${result.state.lastErrorCode}`);
  const left = decodeChannel(result.channels[0]);

  // Onsets: a sound after at least 10 ms of exact silence. The synth's envelope starts from 0 on
  // the note's frame, so its first non-zero sample is the next one.
  const onsets = [];
  let silent = Infinity;
  for (let i = 0; i < left.length; i++) {
    if (left[i] === 0) silent++;
    else {
      if (silent >= 480) onsets.push(i - 1);
      silent = 0;
    }
  }
  assert.deepEqual(
    onsets,
    EXPECTED.map(([, start]) => start * FRAMES_PER_BEAT),
    'one onset per note, on the frame of its beat',
  );
  for (const [i, [pitch, start, length]] of EXPECTED.entries()) {
    // The steady part of each note: after the 5 ms attack, before the end.
    const from = start * FRAMES_PER_BEAT + 480;
    const to = (start + length) * FRAMES_PER_BEAT - 48;
    const measured = zeroCrossingFrequency(left.subarray(from, to), RATE);
    const expected = 440 * 2 ** ((pitch - 69) / 12);
    assert.ok(Math.abs(measured / expected - 1) < 0.003, `note ${i}: ${measured.toFixed(2)} Hz, expected ${expected.toFixed(2)} Hz (MIDI ${pitch})`);
  }
  // The quieter note is quieter: velocity 64 against 100 (velocity squared: about -7.8 dB).
  const peak = (start) => Math.max(...left.subarray(start * FRAMES_PER_BEAT, (start + 0.25) * FRAMES_PER_BEAT).map(Math.abs));
  const ratio = peak(3) / peak(1);
  assert.ok(ratio > 0.3 && ratio < 0.5, `velocity 64 plays at ${ratio.toFixed(3)} of velocity 100`);
  assert.deepEqual(pageErrors, []);
});

const peak = () => page.getByTestId('peak-readout').getAttribute('data-peak-db').then(Number);
const waitPeak = (above, limit) =>
  page.waitForFunction(([a, l]) => {
    const value = Number(document.querySelector('[data-testid="peak-readout"]')?.getAttribute('data-peak-db'));
    return a ? value > l : value < l;
  }, [above, limit], { timeout: 10_000 });

it('auditions a key of the keyboard on the track\'s instrument while it is held', async () => {
  await waitPeak(false, -80); // stopped: silence
  const keys = await page.getByTestId('piano-keys').boundingBox();
  const c4 = await gridPoint(0, 60);
  await page.mouse.move(keys.x + keys.width - 8, c4.y);
  await page.mouse.down();
  await waitPeak(true, -20);
  await page.screenshot({ path: screenshotPath('piano-roll-key-held') });
  await page.mouse.up();
  await waitPeak(false, -80);
  assert.ok((await peak()) < -80, 'the note was released');
  assert.doesNotMatch(await page.getByTestId('engine-status').textContent(), /refused/);
});

it('reopens on double-click, and a note drawn past the end grows the clip by a bar', async () => {
  await page.getByRole('tab', { name: 'Arrange' }).click();
  const clip = await page.locator('[data-testid="clip"][data-kind="midi"]').boundingBox();
  await page.mouse.dblclick(clip.x + clip.width / 2, clip.y + clip.height / 2);
  await page.getByTestId('piano-roll').waitFor();
  assert.equal(await noteCount(), 4);
  const past = await gridPoint(4.5, 67, 5);
  await page.mouse.click(past.x, past.y);
  const clipOf = (text) => JSON.parse(text).tracks.find((t) => t.kind === 'instrument').clips[0];
  let text = await savedWhere((n) => n.length === 5, 'the fifth note');
  assert.deepEqual([clipOf(text).lengthBeats, notesOf(text)[4]], [8, [67, 4.5, 0.25, 100]]);
  await page.screenshot({ path: screenshotPath('piano-roll-grown') });
  await page.keyboard.press('Control+z'); // one step: the note and the longer clip
  text = await savedWhere((n) => n.length === 4, 'the note undone');
  assert.equal(clipOf(text).lengthBeats, 4);
  assert.deepEqual(pageErrors, []);
});

it('draws off the grid with Alt, then quantizes the selection back onto it (Q)', async () => {
  const off = await gridPoint(1.6, 62, 0);
  await page.keyboard.down('Alt');
  await page.mouse.click(off.x, off.y);
  await page.keyboard.up('Alt');
  const startOf = (text) => notesOf(text).find((n) => n[0] === 62)?.[1];
  const drawn = startOf(await savedWhere((n) => n.some((x) => x[0] === 62), 'the free note'));
  assert.ok(Math.abs(drawn - 1.6) < 0.02 && drawn % 0.25 !== 0, `drawn off the grid at ${drawn}`);
  await page.keyboard.press('q'); // the new note is selected: only it moves
  const text = await savedWhere((n) => n.find((x) => x[0] === 62)?.[1] === 1.5, 'the quantized note');
  assert.deepEqual(notesOf(text).filter((n) => n[0] !== 62), EXPECTED);
  assert.deepEqual(pageErrors, []);
});
