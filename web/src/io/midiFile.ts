// Standard MIDI Files (SMF): reading format 0 and 1 (and 2, track by track) into notes, tempo and
// time-signature changes; writing clips back out as format 1.
//
// The reader trusts nothing in the file: every length is checked against the bytes that are
// there, variable-length quantities are limited to four bytes, running status is honoured only
// after a channel message, and a file that breaks a rule throws a MidiFileError that names the
// byte offset and the problem (never a RangeError from a DataView, never an endless loop).
// Notes are paired per channel and pitch, first-in first-out; a note-on with velocity 0 is a
// note-off; notes still held at the end of their track end there.

export class MidiFileError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = 'MidiFileError';
  }
}

export interface MidiNote {
  readonly channel: number;
  readonly pitch: number;
  readonly velocity: number; // 1..127
  readonly startTick: number;
  readonly lengthTicks: number;
}

export interface MidiTempoChange {
  readonly tick: number;
  readonly microsecondsPerQuarter: number;
  readonly beatsPerMinute: number;
}

export interface MidiTimeSignature {
  readonly tick: number;
  readonly numerator: number;
  readonly denominator: number;
}

export interface MidiTrack {
  readonly name: string;
  readonly notes: MidiNote[];
  readonly endTick: number;
}

export interface MidiFile {
  readonly format: 0 | 1 | 2;
  readonly ticksPerQuarter: number;
  readonly tracks: MidiTrack[];
  readonly tempoChanges: MidiTempoChange[];
  readonly timeSignatures: MidiTimeSignature[];
}

/** Bounds that keep a hostile file from costing more than a real one would. */
export const MIDI_LIMITS = { maxTracks: 1024, maxEventsPerTrack: 2_000_000 } as const;

class Reader {
  offset: number;
  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.offset = start;
  }
  fail(message: string): never {
    throw new MidiFileError(message, this.offset);
  }
  need(count: number, what: string): void {
    if (this.offset + count > this.end) this.fail(`truncated ${what}: ${count} bytes needed, ${this.end - this.offset} left`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.offset++]!;
  }
  u16(what: string): number {
    this.need(2, what);
    const value = (this.bytes[this.offset]! << 8) | this.bytes[this.offset + 1]!;
    this.offset += 2;
    return value;
  }
  u32(what: string): number {
    this.need(4, what);
    const value =
      ((this.bytes[this.offset]! << 24) >>> 0) + (this.bytes[this.offset + 1]! << 16) + (this.bytes[this.offset + 2]! << 8) + this.bytes[this.offset + 3]!;
    this.offset += 4;
    return value;
  }
  /** A variable-length quantity: at most four bytes, at most 0x0FFFFFFF. */
  vlq(what: string): number {
    let value = 0;
    for (let i = 0; i < 4; i++) {
      const byte = this.u8(what);
      value = value * 128 + (byte & 0x7f);
      if ((byte & 0x80) === 0) return value;
    }
    return this.fail(`${what}: variable-length quantity longer than four bytes`);
  }
  tag(): string {
    this.need(4, 'chunk type');
    const tag = String.fromCharCode(...this.bytes.subarray(this.offset, this.offset + 4));
    this.offset += 4;
    return tag;
  }
  skip(count: number, what: string): void {
    this.need(count, what);
    this.offset += count;
  }
  text(count: number, what: string): string {
    this.need(count, what);
    const text = new TextDecoder('latin1').decode(this.bytes.subarray(this.offset, this.offset + count));
    this.offset += count;
    return text;
  }
}

const DATA_BYTES: Record<number, number> = { 0x80: 2, 0x90: 2, 0xa0: 2, 0xb0: 2, 0xc0: 1, 0xd0: 1, 0xe0: 2 };

/** Parses a whole SMF. Throws MidiFileError for anything that is not a well-formed file. */
export function readMidiFile(bytes: Uint8Array): MidiFile {
  const file = new Reader(bytes, 0, bytes.length);
  if (file.tag() !== 'MThd') file.fail('not a Standard MIDI File: no MThd header');
  const headerLength = file.u32('header length');
  if (headerLength < 6) file.fail(`header length ${headerLength} is shorter than 6`);
  const headerEnd = file.offset + headerLength;
  const format = file.u16('format');
  if (format > 2) file.fail(`unknown SMF format ${format}`);
  const trackCount = file.u16('track count');
  if (trackCount === 0 || trackCount > MIDI_LIMITS.maxTracks) file.fail(`implausible track count ${trackCount}`);
  if (format === 0 && trackCount !== 1) file.fail(`format 0 must have one track, not ${trackCount}`);
  const division = file.u16('division');
  if (division & 0x8000) file.fail('SMPTE time division is not supported (only ticks per quarter note)');
  if (division === 0) file.fail('division of 0 ticks per quarter note');
  file.skip(headerEnd - file.offset, 'header');

  const tracks: MidiTrack[] = [];
  const tempoChanges: MidiTempoChange[] = [];
  const timeSignatures: MidiTimeSignature[] = [];
  while (tracks.length < trackCount) {
    if (file.offset >= bytes.length) file.fail(`the header announces ${trackCount} tracks, the file holds ${tracks.length}`);
    const tag = file.tag();
    const length = file.u32(`${tag} chunk length`);
    file.need(length, `${tag} chunk`);
    if (tag !== 'MTrk') {
      file.skip(length, 'unknown chunk'); // alien chunks are allowed and ignored
      continue;
    }
    tracks.push(readTrack(new Reader(bytes, file.offset, file.offset + length), tempoChanges, timeSignatures));
    file.offset += length;
  }
  const byTick = <T extends { tick: number }>(items: T[]) => items.sort((a, b) => a.tick - b.tick);
  return { format: format as 0 | 1 | 2, ticksPerQuarter: division, tracks, tempoChanges: byTick(tempoChanges), timeSignatures: byTick(timeSignatures) };
}

function readTrack(track: Reader, tempoChanges: MidiTempoChange[], timeSignatures: MidiTimeSignature[]): MidiTrack {
  let tick = 0;
  let runningStatus = 0;
  let name = '';
  let events = 0;
  const notes: MidiNote[] = [];
  const held = new Map<number, { tick: number; velocity: number }[]>(); // channel * 128 + pitch
  const release = (channel: number, pitch: number, at: number) => {
    const queue = held.get(channel * 128 + pitch);
    const started = queue?.shift();
    if (started) notes.push({ channel, pitch, velocity: started.velocity, startTick: started.tick, lengthTicks: at - started.tick });
  };
  let ended = false;
  while (track.offset < track.end && !ended) {
    if (++events > MIDI_LIMITS.maxEventsPerTrack) track.fail('too many events in one track');
    tick += track.vlq('delta time');
    let status = track.u8('event');
    if (status < 0x80) {
      if (runningStatus === 0) track.fail('data byte without a status (running status before any channel message)');
      status = runningStatus;
      track.offset--; // the byte was data
    }
    if (status === 0xff) {
      const type = track.u8('meta type');
      const length = track.vlq('meta length');
      track.need(length, 'meta event');
      const at = track.offset;
      if (type === 0x03 && name === '') name = track.text(length, 'track name');
      else if (type === 0x51) {
        if (length !== 3) track.fail(`tempo meta event of ${length} bytes (3 expected)`);
        const microseconds = (track.u8('tempo') << 16) | (track.u8('tempo') << 8) | track.u8('tempo');
        if (microseconds === 0) track.fail('tempo of 0 microseconds per quarter note');
        tempoChanges.push({ tick, microsecondsPerQuarter: microseconds, beatsPerMinute: 60_000_000 / microseconds });
      } else if (type === 0x58) {
        if (length < 2) track.fail(`time signature meta event of ${length} bytes`);
        const numerator = track.u8('time signature');
        const power = track.u8('time signature');
        if (numerator === 0 || power > 6) track.fail(`time signature ${numerator}/2^${power} is not valid`);
        timeSignatures.push({ tick, numerator, denominator: 2 ** power });
      } else if (type === 0x2f) {
        ended = true;
      }
      track.offset = at + length;
      runningStatus = 0; // meta and sysex events cancel running status
    } else if (status === 0xf0 || status === 0xf7) {
      track.skip(track.vlq('sysex length'), 'sysex');
      runningStatus = 0;
    } else if (status >= 0xf1) {
      track.fail(`system message 0x${status.toString(16)} does not belong in a file`);
    } else {
      const kind = status & 0xf0;
      const channel = status & 0x0f;
      const first = track.u8('channel message data');
      const second = DATA_BYTES[kind] === 2 ? track.u8('channel message data') : 0;
      if (first > 0x7f || second > 0x7f) track.fail('channel message data byte above 127');
      runningStatus = status;
      if (kind === 0x90 && second > 0) {
        const key = channel * 128 + first;
        const queue = held.get(key) ?? [];
        queue.push({ tick, velocity: second });
        held.set(key, queue);
      } else if (kind === 0x80 || kind === 0x90) {
        release(channel, first, tick);
      }
    }
  }
  for (const [key, queue] of held) {
    for (const started of queue) {
      notes.push({ channel: Math.floor(key / 128), pitch: key % 128, velocity: started.velocity, startTick: started.tick, lengthTicks: tick - started.tick });
    }
  }
  notes.sort((a, b) => a.startTick - b.startTick || a.pitch - b.pitch);
  return { name, notes, endTick: tick };
}

export interface MidiExportTrack {
  readonly name: string;
  readonly channel?: number;
  readonly notes: readonly { pitch: number; velocity: number; startTick: number; lengthTicks: number }[];
}

/** Writes format 1: a conductor track (tempo, time signature) and one track per clip. */
export function writeMidiFile(options: {
  ticksPerQuarter: number;
  beatsPerMinute: number;
  timeSignature: { numerator: number; denominator: number };
  tracks: readonly MidiExportTrack[];
}): Uint8Array {
  const out: number[] = [];
  const u16 = (v: number) => out.push((v >> 8) & 0xff, v & 0xff);
  const u32 = (v: number) => out.push((v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
  const vlq = (target: number[], value: number) => {
    const groups = [value & 0x7f];
    for (let v = Math.floor(value / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    target.push(...groups);
  };
  const chunk = (body: number[]) => {
    out.push(0x4d, 0x54, 0x72, 0x6b);
    u32(body.length);
    out.push(...body);
  };
  out.push(0x4d, 0x54, 0x68, 0x64);
  u32(6);
  u16(1);
  u16(options.tracks.length + 1);
  u16(options.ticksPerQuarter);

  const conductor: number[] = [];
  const microseconds = Math.round(60_000_000 / options.beatsPerMinute);
  vlq(conductor, 0);
  conductor.push(0xff, 0x51, 0x03, (microseconds >> 16) & 0xff, (microseconds >> 8) & 0xff, microseconds & 0xff);
  vlq(conductor, 0);
  conductor.push(0xff, 0x58, 0x04, options.timeSignature.numerator, Math.log2(options.timeSignature.denominator), 24, 8);
  vlq(conductor, 0);
  conductor.push(0xff, 0x2f, 0x00);
  chunk(conductor);

  for (const track of options.tracks) {
    const channel = (track.channel ?? 0) & 0x0f;
    const events = track.notes
      .flatMap((n) => [
        { tick: n.startTick, on: true, pitch: n.pitch, velocity: Math.max(1, Math.min(127, Math.round(n.velocity))) },
        { tick: n.startTick + n.lengthTicks, on: false, pitch: n.pitch, velocity: 0 },
      ])
      .sort((a, b) => a.tick - b.tick || Number(a.on) - Number(b.on)); // offs first at one tick
    const body: number[] = [];
    const name = new TextEncoder().encode(track.name);
    vlq(body, 0);
    body.push(0xff, 0x03);
    vlq(body, name.length);
    body.push(...name);
    let tick = 0;
    for (const event of events) {
      vlq(body, event.tick - tick);
      tick = event.tick;
      body.push((event.on ? 0x90 : 0x80) | channel, event.pitch & 0x7f, event.on ? event.velocity : 64);
    }
    vlq(body, 0);
    body.push(0xff, 0x2f, 0x00);
    chunk(body);
  }
  return Uint8Array.from(out);
}
