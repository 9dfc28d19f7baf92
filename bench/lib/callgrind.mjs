// Section 4: instructions per track per quantum of the native render loop under
// `valgrind --tool=callgrind`: deterministic, so regressions show without timing noise.
// Two renders of the same session (W and W + M quanta); the difference divided by M quanta and
// the track count excludes start-up (engine preparation, session decoding, graph building).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRAMES, env, log, root } from './common.mjs';
import { sessionFile } from './throughput.mjs';

function instructions(file, frames) {
  const dir = mkdtempSync(join(tmpdir(), 'amplitude-callgrind-'));
  try {
    const out = join(dir, 'callgrind.out');
    execFileSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, join(root, 'build/native/engine/amplitude-render'), '--commands', file, '--frames', String(frames)], { stdio: ['ignore', 'ignore', 'ignore'] });
    const summary = /^summary:\s+(\d+)/m.exec(readFileSync(out, 'utf8')) ?? /^totals:\s+(\d+)/m.exec(readFileSync(out, 'utf8'));
    return Number(summary[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function callgrindCounts() {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    return { skipped: 'valgrind is not installed (scripts/ensure-deps.sh installs it)' };
  }
  const warmQuanta = 64;
  const measuredQuanta = env.number('BENCH_CALLGRIND_QUANTA', 375);
  const cases = [
    ...env.list('BENCH_CALLGRIND_TRACKS', ['8', '32']).map((tracks) => ({ chain: 'R1', tracks: Number(tracks), reverb: false })),
    { chain: 'R2', tracks: 8, reverb: true },
  ];
  const rows = [];
  for (const { chain, tracks, reverb } of cases) {
    const file = sessionFile(tracks, reverb);
    const short = instructions(file, warmQuanta * FRAMES);
    const long = instructions(file, (warmQuanta + measuredQuanta) * FRAMES);
    rows.push({ chain, tracks, quanta: measuredQuanta, instructionsPerTrackPerQuantum: (long - short) / measuredQuanta / tracks, instructionsPerQuantum: (long - short) / measuredQuanta });
    log(`callgrind ${chain} N=${tracks} done`);
  }
  return { rows };
}
