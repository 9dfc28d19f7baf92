// Invariant: the generated TypeScript encoder and decoder produce and read exactly the bytes of
// the shared vectors (protocol/vectors/commands.json), which the C++ side is held to as well.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMAND_RECORD_SIZE, CommandType, ErrorCode, decodeCommand, encodeCommand, type Command } from './generated/protocol.generated';

interface ValidVector { name: string; sequence: number; sampleOffset: number; command: Record<string, unknown>; hex: string }
interface InvalidVector { name: string; error: keyof typeof ErrorCode; hex: string }

const vectors = JSON.parse(readFileSync(new URL('../../protocol/vectors/commands.json', import.meta.url), 'utf8')) as {
  valid: ValidVector[];
  invalid: InvalidVector[];
};

// 64-bit fields travel as decimal strings in the vectors (JSON numbers stop at 2^53).
const toCommand = (json: Record<string, unknown>): Command => {
  if (json.type === 'Seek') return { ...json, positionSamples: BigInt(json.positionSamples as string) } as Command;
  if (json.type === 'ScheduleNote') return { ...json, positionSamples: BigInt(json.positionSamples as string) } as Command;
  if (json.type === 'SetLoop') {
    return { ...json, startSamples: BigInt(json.startSamples as string), endSamples: BigInt(json.endSamples as string) } as Command;
  }
  return json as Command;
};

const bytesOf = (hex: string) => Uint8Array.from(hex.replace(/ /g, '').match(/../g)!.map((pair) => parseInt(pair, 16)));
const hexOf = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

describe('protocol vectors', () => {
  it('has vectors for every kind of command', () => {
    expect(new Set(vectors.valid.map((v) => v.command.type))).toEqual(new Set(Object.keys(CommandType)));
  });

  it.each(vectors.valid.map((v) => [v.name, v] as const))('encodes %s to the vector bytes', (_name, vector) => {
    const buffer = new Uint8Array(COMMAND_RECORD_SIZE + 8).fill(0xab);  // every byte must be written
    encodeCommand(new DataView(buffer.buffer), 8, toCommand(vector.command), vector.sequence, vector.sampleOffset);
    expect(hexOf(buffer.subarray(8))).toBe(vector.hex.replace(/ /g, ''));
    expect(buffer.subarray(0, 8).every((b) => b === 0xab)).toBe(true);  // and nothing outside it
  });

  it.each(vectors.valid.map((v) => [v.name, v] as const))('decodes %s from the vector bytes', (_name, vector) => {
    const decoded = decodeCommand(new DataView(bytesOf(vector.hex).buffer), 0);
    expect(decoded).toEqual({ ok: true, sequence: vector.sequence, sampleOffset: vector.sampleOffset, command: toCommand(vector.command) });
  });

  it.each(vectors.invalid.map((v) => [v.name, v] as const))('rejects %s with its reason', (_name, vector) => {
    expect(decodeCommand(new DataView(bytesOf(vector.hex).buffer), 0)).toEqual({ ok: false, error: ErrorCode[vector.error] });
  });
});
