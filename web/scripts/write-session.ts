// Writes a scripted engine session as the command file amplitude-render reads (u64 frame + one
// 32-byte record per entry), for the benchmarks: `write-session.mjs <name> [tracks] > file`.
// Bundled to plain JavaScript by `make bench` (rolldown), so the sessions stay in one TS module.
import { writeFileSync } from 'node:fs';
import { encodeCommand } from '../src/generated/protocol.generated';
import { benchmarkChainSession, busySession, encodeSessionFile } from '../src/audio/sessions';

const [name = 'chain', tracksArgument = '8', output] = process.argv.slice(2);
const tracks = Number(tracksArgument);
const session =
  name === 'busy' ? busySession() : name === 'chain-reverb' ? benchmarkChainSession(tracks, true) : benchmarkChainSession(tracks);
let sequence = 1;
const file = encodeSessionFile(session, (view, at, command) => encodeCommand(view, at, command, sequence++, 0));
if (output) writeFileSync(output, file);
else process.stdout.write(file);
