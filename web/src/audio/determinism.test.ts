// Invariant: one session renders to the same bits natively at any host block size (the
// amplitude-render CLI, g++ -O3) and in both WebAssembly builds (SIMD and scalar) in Node.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINE_MEMORY_PAGES, FRAMES_PER_QUANTUM, encodeCommand } from '../generated/protocol.generated';
import { startEngineInNode } from './nodeEngine.testing';
import { busySession, commandsForQuantum, encodeSessionFile, type TimedCommand } from './sessions';

const renderer = new URL('../../../build/native/engine/amplitude-render', import.meta.url).pathname;
const FRAMES = 96_000;
const work = mkdtempSync(join(tmpdir(), 'amplitude-determinism-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function renderInWasm(variant: 'simd' | 'scalar', session: readonly TimedCommand[]) {
  const engine = startEngineInNode(variant);
  const out = new Float32Array(FRAMES * 2);
  const cursor = { next: 0 };
  let sequence = 1;
  for (let start = 0; start < FRAMES; start += FRAMES_PER_QUANTUM) {
    for (const { command, sampleOffset } of commandsForQuantum(session, cursor, start)) {
      if (!engine.ring.tryPush(command, sequence++, sampleOffset)) throw new Error('ring full');
    }
    engine.renderQuantum();
    for (let i = 0; i < FRAMES_PER_QUANTUM && start + i < FRAMES; i++) {
      out[2 * (start + i)] = engine.left[i]!;
      out[2 * (start + i) + 1] = engine.right[i]!;
    }
  }
  return { bytes: new Uint8Array(out.buffer), state: engine.readState(), memoryBytes: engine.memory.buffer.byteLength };
}

function renderNatively(session: readonly TimedCommand[], block: number) {
  const commands = join(work, 'session.bin');
  let sequence = 1;
  writeFileSync(commands, encodeSessionFile(session, (view, at, command) => encodeCommand(view, at, command, sequence++, 0)));
  const raw = join(work, `out-${block}.f32`);
  const summary = JSON.parse(
    execFileSync(renderer, ['--commands', commands, '--frames', String(FRAMES), '--block', String(block), '--raw', raw], {
      encoding: 'utf8',
    }),
  ) as { commandsApplied: number; commandsRejected: number; lastError: string };
  return { bytes: new Uint8Array(readFileSync(raw)), summary };
}

describe('one session, every build', () => {
  const session = busySession(FRAMES);

  it('finds the native renderer (built by make native)', () => {
    expect(existsSync(renderer), `${renderer} is missing: run make native`).toBe(true);
  });

  const native = existsSync(renderer) ? renderNatively(session, 128) : undefined;

  it('is a real session: every command applied, and the output is not silence', () => {
    expect(native!.summary.commandsRejected, native!.summary.lastError).toBe(0);
    expect(native!.summary.commandsApplied).toBe(session.length);
    const samples = new Float32Array(native!.bytes.buffer, native!.bytes.byteOffset, FRAMES * 2);
    let energy = 0;
    for (const sample of samples) energy += sample * sample;
    expect(Math.sqrt(energy / samples.length)).toBeGreaterThan(0.01);
  });

  it.each([441, 1024, 1, 4096])('renders the same bits natively with host blocks of %i frames', (block) => {
    expect(Buffer.from(renderNatively(session, block).bytes).equals(Buffer.from(native!.bytes))).toBe(true);
  });

  it.each(['simd', 'scalar'] as const)('renders the same bits in WebAssembly (%s) as natively', (variant) => {
    const wasm = renderInWasm(variant, session);
    expect(wasm.state.commandsRejected).toBe(0);
    expect(Buffer.from(wasm.bytes).equals(Buffer.from(native!.bytes))).toBe(true);
    expect(wasm.memoryBytes).toBe(ENGINE_MEMORY_PAGES * 65_536); // the memory never grew
  });
});
