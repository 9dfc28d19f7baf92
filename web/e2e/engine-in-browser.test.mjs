// Invariants of the engine in the browser, end to end: served by our C++ server with cross-origin
// isolation, the real .wasm runs in the real AudioWorklet (OfflineAudioContext), plays the
// requested frequency and level, and applies a command placed in the ring at exactly its sample.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toDecibels, toneAmplitude, zeroCrossingFrequency } from './support/analysis.mjs';
import { decodeChannel, distDir, launchBrowser, repoDir, startServer } from './support/stack.mjs';

const SAMPLE_RATE = 48000;
const QUANTUM = 128;
const OSCILLATOR = 1;
const OUTPUT_GAIN = 2;

let server;
let browser;
let page;
const pageErrors = [];

/** The same session rendered by the native build (amplitude-render): interleaved stereo. */
function renderNatively(sessionFile, frames) {
  const work = mkdtempSync(join(tmpdir(), 'amplitude-native-'));
  try {
    writeFileSync(join(work, 'session.bin'), sessionFile);
    const renderer = join(repoDir, 'build/native/engine/amplitude-render');
    execFileSync(renderer, ['--commands', join(work, 'session.bin'), '--frames', String(frames), '--raw', join(work, 'out.f32')]);
    return new Float32Array(readFileSync(join(work, 'out.f32')).buffer.slice(0));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function renderOffline(request) {
  const result = await page.evaluate((r) => window.amplitudeHarness.renderOffline(r), request);
  return { ...result, left: decodeChannel(result.channels[0]), right: decodeChannel(result.channels[1]) };
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${server.url}/harness.html`);
  await page.waitForFunction(() => window.amplitudeHarness?.ready === true);
});

after(async () => {
  await browser?.close();
  const exitCode = await server?.stop();
  assert.equal(exitCode, 0, 'the server shuts down cleanly on SIGTERM');
});

describe('serving', () => {
  it('sends the isolation headers and the right MIME types', async () => {
    const index = await fetch(`${server.url}/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(index.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.equal(index.headers.get('cross-origin-resource-policy'), 'same-origin');
    assert.match(index.headers.get('content-type'), /^text\/html/);

    const wasm = readdirSync(`${distDir}/assets`).find((name) => name.endsWith('.wasm'));
    const module = await fetch(`${server.url}/assets/${wasm}`);
    assert.equal(module.status, 200);
    assert.equal(module.headers.get('content-type'), 'application/wasm');
    assert.equal(module.headers.get('cross-origin-embedder-policy'), 'require-corp');

    const health = await fetch(`${server.url}/api/health`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).status, 'ok');

    const missing = await fetch(`${server.url}/assets/no-such-file.js`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('cross-origin-opener-policy'), 'same-origin');
  });

  it('makes the page cross-origin isolated', async () => {
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    assert.equal(await page.evaluate(() => typeof SharedArrayBuffer), 'function');
  });
});

for (const variant of ['simd', 'scalar']) {
  describe(`the ${variant} engine in an OfflineAudioContext`, () => {
    it('renders the requested frequency (±0.5 Hz) and level (±0.1 dB)', async () => {
      const result = await renderOffline({
        variant,
        frames: 2 * SAMPLE_RATE,
        commands: [
          { quantum: 0, command: { type: 'SetParam', nodeId: OSCILLATOR, paramId: 0, value: 1000 } },
          { quantum: 0, command: { type: 'SetParam', nodeId: OUTPUT_GAIN, paramId: 0, value: -6 } },
          { quantum: 0, command: { type: 'Play' } },
        ],
      });
      assert.equal(result.variant, variant);
      const lastSecond = result.left.subarray(SAMPLE_RATE);
      const frequency = zeroCrossingFrequency(lastSecond, SAMPLE_RATE);
      const level = toDecibels(toneAmplitude(lastSecond, 1000, SAMPLE_RATE));
      assert.ok(Math.abs(frequency - 1000) <= 0.5, `frequency ${frequency} Hz`);
      assert.ok(Math.abs(level - -6) <= 0.1, `level ${level} dB`);
      assert.deepEqual(result.right, result.left);
      assert.equal(result.state.playheadSamples, 2 * SAMPLE_RATE);
      assert.equal(result.state.commandsApplied, 3);
      assert.equal(result.memoryBytesAtEnd, result.memoryBytesAtStart, 'engine memory never grows');
    });

    it('applies a gain command at exactly its sample offset', async () => {
      const setUp = [
        { quantum: 0, command: { type: 'SetParam', nodeId: OUTPUT_GAIN, paramId: 0, value: 0 } },
        { quantum: 0, command: { type: 'Play' } },
      ];
      const change = { quantum: 100, sampleOffset: 37, command: { type: 'SetParam', nodeId: OUTPUT_GAIN, paramId: 0, value: -96 } };
      const reference = await renderOffline({ variant, frames: SAMPLE_RATE / 2, commands: setUp });
      const changed = await renderOffline({ variant, frames: SAMPLE_RATE / 2, commands: [...setUp, change] });

      const at = 100 * QUANTUM + 37;
      const firstDifference = changed.left.findIndex((x, i) => x !== reference.left[i]);
      assert.equal(firstDifference, at, 'output changes first at the commanded sample');
      const rampSamples = Math.round(SAMPLE_RATE * 0.01);
      const target = 10 ** (-96 / 20);
      for (let k = 0; k < rampSamples; k += 7) {
        const gain = 1 + ((target - 1) * (k + 1)) / rampSamples;
        assert.ok(Math.abs(changed.left[at + k] - reference.left[at + k] * gain) < 2e-6, `ramp step ${k}`);
      }
      assert.equal(changed.state.commandsApplied, 3);
    });
  });
}

describe('determinism', () => {
  it('renders the same commands bit-identically in the SIMD and scalar builds', async () => {
    const commands = [
      { quantum: 0, sampleOffset: 9, command: { type: 'SetParam', nodeId: OSCILLATOR, paramId: 1, value: 2 } },
      { quantum: 0, sampleOffset: 5, command: { type: 'Play' } },
      { quantum: 40, sampleOffset: 100, command: { type: 'SetParam', nodeId: OSCILLATOR, paramId: 0, value: 3333 } },
    ];
    const [simd, scalar] = [await renderOffline({ variant: 'simd', frames: 24000, commands }), await renderOffline({ variant: 'scalar', frames: 24000, commands })];
    assert.deepEqual(Buffer.from(simd.channels[0], 'base64'), Buffer.from(scalar.channels[0], 'base64'));
  });

  for (const variant of ['simd', 'scalar']) {
    it(`renders a busy session in the AudioWorklet (${variant}) to the same bits as the native build`, async () => {
      const frames = 96_000;
      const result = await page.evaluate(([f, v]) => window.amplitudeHarness.renderSession('busy', f, v), [frames, variant]);
      assert.equal(result.state.commandsRejected, 0, `rejected: code ${result.state.lastErrorCode}`);
      assert.equal(result.memoryBytesAtEnd, result.memoryBytesAtStart, 'the engine memory never grows');
      const native = renderNatively(Buffer.from(result.sessionFile, 'base64'), frames);
      const left = new Float32Array(Buffer.from(result.channels[0], 'base64').buffer.slice(0));
      const right = new Float32Array(Buffer.from(result.channels[1], 'base64').buffer.slice(0));
      let mismatches = 0;
      let energy = 0;
      for (let i = 0; i < frames; i++) {
        if (!Object.is(left[i], native[2 * i]) || !Object.is(right[i], native[2 * i + 1])) mismatches++;
        energy += left[i] * left[i];
      }
      assert.equal(mismatches, 0, 'every sample bit-identical to the native render');
      assert.ok(energy / frames > 1e-4, 'and the session is not silence');
    });
  }

  it('raised no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
