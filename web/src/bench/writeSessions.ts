// Node script (bundled by `make bench` with rolldown): writes a benchmark session as the command
// file amplitude-render reads (u64 frame + 32-byte record per entry).
//   write-bench-session.mjs <tracks> <reverb 0|1> <output> [stopFrame]
// With stopFrame, the sources are removed there and the chain rings out (the tail session).
import { writeFileSync } from 'node:fs';
import { encodeCommand } from '../generated/protocol.generated';
import { encodeSessionFile } from '../audio/sessions';
import { chainSession } from './benchSessions';

const [tracks = '8', reverb = '0', output, stop] = process.argv.slice(2);
if (!output) throw new Error('usage: write-bench-session.mjs <tracks> <reverb 0|1> <output> [stopFrame]');
const session = chainSession(Number(tracks), reverb === '1', stop === undefined ? undefined : Number(stop));
let sequence = 1;
writeFileSync(output, encodeSessionFile(session, (view, at, command) => encodeCommand(view, at, command, sequence++, 0)));
