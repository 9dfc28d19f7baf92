// Offline export in a Worker: the engine's module (compiled on the main thread) instantiated
// here against its own memory, the session fed through the same EngineClient the UI uses, every
// quantum rendered and copied into the export buffer. Timed here with performance.now().
import { engineImports } from '../audio/engineImports';
import { EngineClient } from '../audio/EngineClient';
import { readEngineLayout } from '../audio/EngineLayout';
import { commandsForQuantum, type TimedCommand } from '../audio/sessions';
import { FRAMES_PER_QUANTUM } from '../generated/protocol.generated';

export interface ExportRequest {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  session: TimedCommand[];
  frames: number;
}

export interface ExportReply {
  renderMs: number;
  peak: number;
  commandsRejected: number;
}

interface EngineExports {
  _initialize(): void;
  amp_prepare(sampleRate: number): number;
  amp_render_quantum(): void;
}

self.onmessage = (event: MessageEvent<ExportRequest>) => {
  const { module, memory, session, frames } = event.data;
  const engine = new WebAssembly.Instance(module, engineImports(memory)).exports as unknown as EngineExports;
  engine._initialize();
  const layout = readEngineLayout(memory.buffer, engine.amp_prepare(48_000));
  const client = new EngineClient(memory.buffer, layout);
  const left = new Float32Array(memory.buffer, layout.outputAddresses[0]!, FRAMES_PER_QUANTUM);
  const right = new Float32Array(memory.buffer, layout.outputAddresses[1]!, FRAMES_PER_QUANTUM);
  const exported = [new Float32Array(frames), new Float32Array(frames)] as const;
  const cursor = { next: 0 };
  const started = performance.now();
  for (let start = 0; start + FRAMES_PER_QUANTUM <= frames; start += FRAMES_PER_QUANTUM) {
    for (const { command, sampleOffset } of commandsForQuantum(session, cursor, start)) client.send(command, sampleOffset);
    client.flush();
    engine.amp_render_quantum();
    exported[0].set(left, start);
    exported[1].set(right, start);
  }
  const renderMs = performance.now() - started;
  let peak = 0;
  for (const channel of exported) for (let i = 0; i < channel.length; i += 7) peak = Math.max(peak, Math.abs(channel[i]!));
  const reply: ExportReply = { renderMs, peak, commandsRejected: client.readState().commandsRejected + client.backlogLength };
  (self as unknown as { postMessage(message: ExportReply): void }).postMessage(reply);
};
