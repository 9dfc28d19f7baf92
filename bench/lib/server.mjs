// Section 9: the server under load. Our own amplitude-server on a throwaway SQLite data directory
// and on a throwaway PostgreSQL (started and stopped here, as the test script does): requests per
// second and latency percentiles of opening a project (wrk, from Debian), of saving an edit as a
// new revision (sequential round trips from Node, each against the current revision), and of live
// edits over WebSocket (BENCH_LIVE_CLIENTS clients in one project, each sending its next edit when
// the previous one is acknowledged; the time from sending to the ack, which the server gives only
// after the commit, and from sending to the other clients' receiving it). Node 20's WebSocket
// needs --experimental-websocket, which make bench passes.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, log, root, stats } from './common.mjs';

const serverBinary = join(root, 'build/native/server/amplitude-server');

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function startServer(extraArgs) {
  const dataDir = mkdtempSync(join(tmpdir(), 'amplitude-bench-data-'));
  const child = spawn(serverBinary, ['--port', '0', '--web-root', join(root, 'web/dist'), '--data-dir', dataDir, '--log-level', 'warn', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve({ url: match[1], stop: () => new Promise((done) => { child.once('exit', () => { rmSync(dataDir, { recursive: true, force: true }); done(); }); child.kill('SIGTERM'); }) });
    });
    child.once('exit', (code) => reject(new Error(`amplitude-server exited with ${code}`)));
  });
}

/** A throwaway PostgreSQL 15 on a free port (initdb refuses root: run as postgres). */
async function startPostgres() {
  const bin = '/usr/lib/postgresql/15/bin';
  const dir = mkdtempSync(join(tmpdir(), 'amplitude-bench-pg-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const asPostgres = (command) => execFileSync('runuser', ['-u', 'postgres', '--', 'bash', '-c', command], { stdio: 'ignore' });
  asPostgres(`${bin}/initdb --no-sync -D ${dir}/data -A trust -U postgres`);
  asPostgres(`${bin}/pg_ctl -D ${dir}/data -o "-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=on" -l ${dir}/log -w start`);
  execFileSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-c', 'create database amplitude_bench'], { stdio: 'ignore' });
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/amplitude_bench`,
    stop: () => {
      spawnSync('runuser', ['-u', 'postgres', '--', 'bash', '-c', `${bin}/pg_ctl -D ${dir}/data -m fast stop`], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Signs up, logs in and creates a project holding the full example document. */
async function prepareProject(url) {
  const origin = { Origin: url };
  const post = (path, body, headers = {}) =>
    fetch(url + path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...origin, ...headers }, body: JSON.stringify(body) });
  await post('/api/accounts', { username: 'bench', email: 'bench@example.com', password: 'correct horse battery staple' });
  const session = await post('/api/sessions', { login: 'bench', password: 'correct horse battery staple' });
  const cookie = session.headers.get('set-cookie').split(';')[0];
  const { csrfToken } = await session.json();
  const document = JSON.parse(readFileSync(join(root, 'protocol/project/examples/full.json'), 'utf8'));
  const created = await (await post('/api/projects', { name: 'Bench', document }, { Cookie: cookie, 'X-CSRF-Token': csrfToken })).json();
  return { cookie, csrfToken, id: created.project.id, document, origin };
}

function wrkOpen(url, session, seconds) {
  const out = execFileSync('wrk', ['-t2', '-c16', `-d${seconds}s`, '--latency', '-H', `Cookie: ${session.cookie}`, `${url}/api/projects/${session.id}`], {
    encoding: 'utf8',
  });
  const perSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const toMs = (text) => (text.endsWith('us') ? parseFloat(text) / 1000 : text.endsWith('ms') ? parseFloat(text) : parseFloat(text) * 1000);
  const p50 = /50%\s+([\d.]+\w+)/.exec(out)?.[1];
  const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1];
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  return { perSecond, p50: p50 ? toMs(p50) : NaN, p99: p99 ? toMs(p99) : NaN, non2xx };
}

async function saveRoundTrips(url, session, count) {
  let revision = 1;
  const times = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    session.document.project.name = `Bench ${i}`;
    const t0 = performance.now();
    const reply = await fetch(`${url}/api/projects/${session.id}/document`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Cookie: session.cookie, 'X-CSRF-Token': session.csrfToken, ...session.origin },
      body: JSON.stringify({ baseRevision: revision, document: session.document }),
    });
    times.push(performance.now() - t0);
    if (reply.status !== 201) throw new Error(`save ${i}: ${reply.status} ${await reply.text()}`);
    revision = (await reply.json()).revision;
  }
  const elapsed = (performance.now() - started) / 1000;
  const sorted = [...times].sort((a, b) => a - b);
  return { perSecond: count / elapsed, p50: stats(times).median, p99: sorted[Math.floor(0.99 * (sorted.length - 1))] };
}

const percentile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
};

/** One live client: joined (welcome + snapshot), then `edit(value)` resolves with the ack. */
function liveClient(url, session, clientId, onOp) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/projects/${session.id}/live`, { headers: { Cookie: session.cookie, Origin: url } });
  const waiting = new Map(); // seq -> resolve
  let revision = 0;
  let seq = 0;
  const joined = new Promise((resolve, reject) => {
    socket.onerror = (event) => reject(new Error(`live socket: ${event.message ?? 'error'}`));
    socket.onopen = () => socket.send(JSON.stringify({ type: 'hello', clientId, resumeFrom: null }));
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === 'snapshot') {
        revision = message.revision;
        resolve();
      } else if (message.type === 'ack' || message.type === 'reject') {
        if (message.type === 'ack') revision = Math.max(revision, message.revision);
        waiting.get(message.seq)?.(message);
        waiting.delete(message.seq);
      } else if (message.type === 'op') {
        revision = Math.max(revision, message.revision);
        onOp(message);
      }
    };
  });
  return {
    joined,
    edit(ops) {
      seq += 1;
      const reply = new Promise((resolve) => waiting.set(seq, resolve));
      socket.send(JSON.stringify({ type: 'edit', clientId, seq, baseRevision: revision, ops }));
      return reply;
    },
    close: () => socket.close(1000),
  };
}

/** BENCH_LIVE_CLIENTS clients editing one project for `seconds`: acks and fan-out latencies. */
async function liveEdits(url, session, clients, seconds) {
  const trackIds = session.document.tracks.filter((t) => t.kind !== 'master').map((t) => t.id);
  const ackMs = [];
  const fanOutMs = [];
  let rejected = 0;
  const onOp = (message) => {
    const sent = Number(/^live (\d+(?:\.\d+)?)/.exec(message.ops[0]?.value ?? '')?.[1]);
    if (Number.isFinite(sent)) fanOutMs.push(performance.now() - sent);
  };
  const people = Array.from({ length: clients }, (_, i) => liveClient(url, session, `bench-${i}-${Date.now()}`, onOp));
  await Promise.all(people.map((p) => p.joined));
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    people.map(async (person, i) => {
      // Each client renames tracks in turn (conflicting with the others on the same tracks);
      // the name carries the send time, so receivers measure the fan-out.
      for (let n = 0; performance.now() < end; n++) {
        const sent = performance.now();
        const target = trackIds[(i + n) % trackIds.length];
        const reply = await person.edit([{ op: 'set', target, path: ['name'], value: `live ${sent.toFixed(3)}` }]);
        if (reply.type === 'ack') ackMs.push(performance.now() - sent);
        else rejected += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  people.forEach((p) => p.close());
  return { perSecond: ackMs.length / elapsed, p50: percentile(ackMs, 0.5), p99: percentile(ackMs, 0.99), fanOutP50: percentile(fanOutMs, 0.5), fanOutP99: percentile(fanOutMs, 0.99), non2xx: rejected, acked: ackMs.length };
}

export async function serverThroughput() {
  const seconds = env.number('BENCH_SERVER_SECONDS', 10);
  const saves = env.number('BENCH_SERVER_SAVES', 300);
  const rows = [];
  for (const backend of ['sqlite', 'postgresql']) {
    log(`server on ${backend}`);
    const postgres = backend === 'postgresql' ? await startPostgres() : null;
    const server = await startServer(postgres ? ['--database-url', postgres.url] : []);
    try {
      const session = await prepareProject(server.url);
      const open = wrkOpen(server.url, session, seconds);
      rows.push({ backend, operation: 'open a project (GET, wrk -c16)', ...open });
      const save = await saveRoundTrips(server.url, session, saves);
      rows.push({ backend, operation: `save an edit as a revision (PUT, sequential, ${saves})`, ...save, non2xx: 0 });
      if (typeof WebSocket === 'function') {
        const clients = env.number('BENCH_LIVE_CLIENTS', 16);
        const live = await liveEdits(server.url, session, clients, seconds);
        rows.push({ backend, operation: `live edits over WebSocket (${clients} clients, one project)`, ...live });
      } else {
        log('live edits skipped: this Node has no WebSocket (run node --experimental-websocket bench/run.mjs, as make bench does)');
      }
    } finally {
      await server.stop();
      postgres?.stop();
    }
  }
  return { rows, documentBytes: readFileSync(join(root, 'protocol/project/examples/full.json')).length };
}
