// Invariants of the UI side against the real engine: the TypeScript producer and the C++ consumer
// agree on the ring and the state view in one shared WebAssembly memory; a full ring loses nothing
// (the client's backlog delivers every command, in order); rejected commands come back with their
// reason. The engine runs here in Node from the very .wasm files the browser loads.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BOOT_PATCH, COMMAND_RING_CAPACITY, DEVICES, ENGINE_MEMORY_PAGES, ErrorCode, FRAMES_PER_QUANTUM, TransportState } from '../generated/protocol.generated';
import { EngineClient } from './EngineClient';
import { readEngineLayout } from './EngineLayout';
import { engineImports } from './engineImports';

interface EngineExports {
  _initialize(): void;
  amp_prepare(sampleRate: number): number;
  amp_render_quantum(): void;
}

function startEngineInNode(variant: 'simd' | 'scalar') {
  const module = new WebAssembly.Module(readFileSync(new URL(`../generated/amplitude-engine-${variant}.wasm`, import.meta.url)));
  const memory = new WebAssembly.Memory({ initial: ENGINE_MEMORY_PAGES, maximum: ENGINE_MEMORY_PAGES, shared: true });
  const engine = new WebAssembly.Instance(module, engineImports(memory)).exports as unknown as EngineExports;
  engine._initialize();
  const layout = readEngineLayout(memory.buffer, engine.amp_prepare(48000));
  const client = new EngineClient(memory.buffer, layout);
  const left = new Float32Array(memory.buffer, layout.outputAddresses[0]!, FRAMES_PER_QUANTUM);
  const render = (quanta: number) => {
    const out = new Float32Array(quanta * FRAMES_PER_QUANTUM);
    for (let q = 0; q < quanta; q++) {
      engine.amp_render_quantum();
      out.set(left, q * FRAMES_PER_QUANTUM);
    }
    return out;
  };
  return { client, render, memory };
}

/** Frequency from rising zero crossings located by linear interpolation. */
function zeroCrossingFrequency(signal: Float32Array, sampleRate: number): number {
  let first = -1;
  let last = -1;
  let periods = 0;
  for (let i = 1; i < signal.length; i++) {
    const a = signal[i - 1]!;
    const b = signal[i]!;
    if (a < 0 && b >= 0) {
      const at = i - 1 + a / (a - b);
      if (first < 0) first = at;
      else periods++;
      last = at;
    }
  }
  return (periods * sampleRate) / (last - first);
}

const gainNode = BOOT_PATCH.outputGain.nodeId;
const gainParam = DEVICES.Gain.params.gain.id;
const oscillator = BOOT_PATCH.oscillator.nodeId;

describe.each(['simd', 'scalar'] as const)('engine %s build driven by the TypeScript client', (variant) => {
  it('plays a sine of the requested frequency and level', () => {
    const { client, render } = startEngineInNode(variant);
    client.send({ type: 'SetParam', nodeId: oscillator, paramId: DEVICES.Oscillator.params.frequency.id, value: 1000 });
    client.send({ type: 'SetParam', nodeId: gainNode, paramId: gainParam, value: -6 });
    client.send({ type: 'Play' });
    const out = render(750).subarray(-48000);  // the last second: 1000 whole periods
    const sumSquares = out.reduce((sum, x) => sum + x * x, 0);
    expect(20 * Math.log10(Math.sqrt(sumSquares / out.length) * Math.SQRT2)).toBeCloseTo(-6, 3);
    expect(zeroCrossingFrequency(out, 48000)).toBeCloseTo(1000, 2);
    const state = client.readState();
    expect(state.transport).toBe(TransportState.Playing);
    expect(state.playheadSamples).toBe(750 * FRAMES_PER_QUANTUM);
    expect(state.commandsApplied).toBe(3);
    expect(state.meterPeak[0]).toBeCloseTo(10 ** (-6 / 20), 3);
  });

  it('delivers every command in order when far more are sent than the ring holds', () => {
    const { client, render } = startEngineInNode(variant);
    const total = COMMAND_RING_CAPACITY * 3 + 17;
    for (let i = 0; i < total; i++) client.send({ type: 'SetParam', nodeId: oscillator, paramId: 0, value: 100 + i });
    expect(client.backlogLength).toBe(total - COMMAND_RING_CAPACITY);
    expect(client.ringRejectedPushes).toBeGreaterThan(0);
    let quanta = 0;
    while (client.readState().commandsApplied < total && quanta < 10) {
      render(1);
      client.flush();
      quanta++;
    }
    expect(client.readState().commandsApplied).toBe(total);
    expect(client.readState().commandsRejected).toBe(0);
    expect(client.backlogLength).toBe(0);
    expect(quanta).toBe(4);  // one ring's worth per quantum
  });

  it('reports a rejected command with its reason and sequence, and keeps playing', () => {
    const { client, render } = startEngineInNode(variant);
    client.send({ type: 'Play' });
    render(10);
    const bad = client.send({ type: 'SetParam', nodeId: gainNode, paramId: gainParam, value: 1000 });
    render(1);
    const state = client.readState();
    expect(state.commandsRejected).toBe(1);
    expect(state.lastErrorCode).toBe(ErrorCode.ValueOutOfRange);
    expect(state.lastErrorSequence).toBe(bad);
    expect(EngineClient.describeError(state.lastErrorCode)).toMatch(/outside the parameter's declared range/);
    expect(state.transport).toBe(TransportState.Playing);
    expect(Math.max(...render(10).map(Math.abs))).toBeGreaterThan(0.1);
  });
});

describe('engine builds', () => {
  it('render bit-identically with and without SIMD', () => {
    const outputs = (['simd', 'scalar'] as const).map((variant) => {
      const { client, render } = startEngineInNode(variant);
      client.send({ type: 'SetParam', nodeId: oscillator, paramId: DEVICES.Oscillator.params.waveform.id, value: 1 }, 11);
      client.send({ type: 'Play' }, 5);
      client.send({ type: 'SetParam', nodeId: gainNode, paramId: gainParam, value: -3 }, 77);
      return render(200);
    });
    expect(Buffer.from(outputs[0]!.buffer).equals(Buffer.from(outputs[1]!.buffer))).toBe(true);
  });
});
