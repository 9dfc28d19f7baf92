// Section 1 (and the worklet/native part of 3): R1 and R2 rendered offline in headless Chromium
// by every candidate, in interleaved shuffled rounds (one warm-up round discarded), plus the
// native build on the same session in the same rounds and an export in a Worker.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSchema } from '../../protocol/generator/schema.mjs';
import { BUDGET_US, FRAMES, SAMPLE_RATE, buildDir, env, log, root, shuffle, stats } from './common.mjs';

const errorCodes = loadSchema(join(root, 'protocol/schema/amplitude.protocol.json')).errorCodes;
const errorName = (code) => errorCodes.find((e) => e.value === code)?.name ?? `error ${code}`;

export const CANDIDATES = {
  'amplitude-simd': 'Amplitude SIMD (AudioWorklet)',
  'amplitude-scalar': 'Amplitude scalar (AudioWorklet)',
  'amplitude-worker': 'Amplitude SIMD (Worker export)',
  native: 'Amplitude native (g++ -O3)',
  builtin: 'Chromium built-in nodes',
  elementary: 'Elementary 4.0.3',
  tone: 'Tone.js 15.5.44',
};

export function sessionFile(tracks, reverb, stopFrame) {
  const file = join(buildDir, `bench-${reverb ? 'r2' : 'r1'}-${tracks}${stopFrame === undefined ? '' : `-stop${stopFrame}`}.bin`);
  if (!existsSync(file)) {
    const args = [join(buildDir, 'write-bench-session.mjs'), String(tracks), reverb ? '1' : '0', file];
    if (stopFrame !== undefined) args.push(String(stopFrame));
    execFileSync('node', args);
  }
  return file;
}

export function renderNative(file, frames) {
  const out = JSON.parse(execFileSync(join(root, 'build/native/engine/amplitude-render'), ['--commands', file, '--frames', String(frames)], { encoding: 'utf8' }));
  const lastErrorCode = errorCodes.find((e) => e.message === out.lastError)?.value;
  return { renderMs: out.renderMicroseconds / 1e3, commandsRejected: out.commandsRejected, lastErrorCode };
}

/**
 * Runs one chain (R1 or R2) at each track count. Each candidate renders BENCH_BROWSER_SECONDS
 * (10 s), except that a render predicted to take longer than BENCH_MAX_RENDER_SECONDS of wall
 * time is shortened (never below 1 s of audio; the row says how long): per-track cost does not
 * depend on the length, and the slow peers would otherwise take most of the run.
 */
export async function runThroughput(bench, { reverb, trackCounts, candidates, rounds }) {
  const seconds = env.number('BENCH_BROWSER_SECONDS', 10);
  const maxRender = env.number('BENCH_MAX_RENDER_SECONDS', 4);
  const rows = [];
  const lastPerTrack = {}; // candidate -> µs per track per quantum at the previous N
  for (const tracks of trackCounts) {
    const plan = Object.fromEntries(candidates.map((c) => [c, seconds]));
    const shorten = (candidate, perTrackUs) => {
      const wallSeconds = (perTrackUs * tracks * (seconds * SAMPLE_RATE / FRAMES)) / 1e6;
      if (maxRender > 0 && wallSeconds > maxRender) {
        plan[candidate] = Math.max(1, Math.floor((seconds * maxRender) / wallSeconds * 4) / 4);
      }
    };
    for (const c of candidates) if (lastPerTrack[c]) shorten(c, lastPerTrack[c] * 1.3);
    const samples = Object.fromEntries(candidates.map((c) => [c, []]));
    const notes = Object.fromEntries(candidates.map((c) => [c, { rejected: 0, silent: false, error: null, memoryGrowthBytes: 0 }]));
    for (let round = 0; round <= rounds; round++) {
      for (const candidate of shuffle(candidates)) {
        if (notes[candidate].error) continue;
        const renderSeconds = plan[candidate];
        const frames = Math.round(renderSeconds * SAMPLE_RATE);
        let result;
        try {
          if (candidate === 'native') {
            result = renderNative(sessionFile(tracks, reverb), frames);
            result.peak = 1;
          } else {
            result = await bench.page.evaluate(([c, spec]) => window.amplitudeBench.offline(c, spec), [candidate, { tracks, reverb, seconds: renderSeconds }]);
          }
        } catch (error) {
          notes[candidate].error = String(error.message ?? error).split('\n')[0].slice(0, 160);
          log(`${candidate} at ${tracks} tracks failed: ${notes[candidate].error}`);
          await bench.reload();
          continue;
        }
        const perTrackUs = (result.renderMs * 1e3) / (frames / FRAMES) / tracks;
        if (result.commandsRejected) {
          notes[candidate].rejected = result.commandsRejected;
          notes[candidate].error = `the engine rejected ${result.commandsRejected} of the session's commands (last error: ${errorName(result.lastErrorCode)})`;
          log(`${candidate} at ${tracks} tracks: ${notes[candidate].error}`);
          continue;
        }
        if (result.memoryGrowthBytes) notes[candidate].memoryGrowthBytes = Math.max(notes[candidate].memoryGrowthBytes, result.memoryGrowthBytes);
        if (!(result.peak > 0)) notes[candidate].silent = true;
        if (round === 0) {
          shorten(candidate, perTrackUs); // measured rounds: sized from the warm-up
        } else {
          samples[candidate].push(perTrackUs);
        }
      }
      log(`${reverb ? 'R2' : 'R1'} N=${tracks}: round ${round}${round === 0 ? ' (warm-up)' : ''} done`);
    }
    const builtin = stats(samples.builtin ?? []).median;
    for (const candidate of candidates) {
      const s = stats(samples[candidate]);
      if (Number.isFinite(s.median)) lastPerTrack[candidate] = s.median;
      const note = notes[candidate];
      const invalid = note.error;
      rows.push({
        chain: reverb ? 'R2' : 'R1',
        tracks,
        candidate,
        name: CANDIDATES[candidate],
        seconds: plan[candidate],
        ...s,
        loadPercent: (100 * s.median * tracks) / BUDGET_US,
        tracksInHalfACore: Math.floor(BUDGET_US / 2 / s.median),
        realtimeMultiple: BUDGET_US / (s.median * tracks),
        vsBuiltin: builtin / s.median,
        invalid,
        silent: note.silent,
        memoryGrowthBytes: note.memoryGrowthBytes,
      });
    }
  }
  return rows;
}
