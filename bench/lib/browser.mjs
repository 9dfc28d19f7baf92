// The browser side of `make bench`: our C++ server serving web/dist, Debian's Chromium driven by
// playwright-core (web's devDependency), the bench page (web/bench.html) loaded and ready.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, startServer } from '../../web/e2e/support/stack.mjs';
import { root } from './common.mjs';

const { chromium } = createRequire(join(root, 'web/package.json'))('playwright-core');
const chromiumPath = process.env.AMPLITUDE_CHROMIUM ?? '/usr/bin/chromium';

async function openBenchPage(context, server) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.url}/bench.html`);
  await page.waitForFunction(() => window.amplitudeBench?.ready === true, null, { timeout: 30_000 });
  if (!(await page.evaluate(() => crossOriginIsolated))) throw new Error('bench page is not cross-origin isolated');
  return { page, errors };
}

/** Server + Chromium (the same launch as the e2e tests) + the bench page. */
export async function startBench() {
  const server = await startServer();
  const browser = await launchBrowser();
  const { page, errors } = await openBenchPage(browser.context, server);
  return {
    page,
    errors,
    server,
    /** A fresh page (a new renderer's worth of JIT and heap state), e.g. after a failure. */
    async reload() {
      await page.goto(`${server.url}/bench.html`);
      await page.waitForFunction(() => window.amplitudeBench?.ready === true, null, { timeout: 30_000 });
    },
    async close() {
      await browser.close();
      await server.stop();
    },
  };
}

/**
 * Chromium started by us with --js-flags=--trace-gc, so that V8's GC trace (printed on the
 * renderer's stdout) reaches us; line-buffered through stdbuf, and driven over the DevTools
 * protocol. Returns the page and a reader of the trace lines so far.
 */
export async function startGcTracedBench(server) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'amplitude-bench-gc-'));
  const child = spawn(
    'stdbuf',
    ['-oL', '-eL', chromiumPath, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
      '--remote-debugging-port=0', `--user-data-dir=${userDataDir}`, '--js-flags=--trace-gc', 'about:blank'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines = [];
  let partial = '';
  child.stdout.on('data', (chunk) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop();
    lines.push(...parts);
  });
  let stderr = '';
  const endpoint = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`chromium did not start:\n${stderr}`)), 20_000);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    });
  });
  const browser = await chromium.connectOverCDP(endpoint);
  const { page } = await openBenchPage(browser.contexts()[0], server);
  return {
    page,
    lines,
    async close() {
      await browser.close().catch(() => undefined);
      child.kill('SIGTERM');
      await new Promise((done) => (child.exitCode !== null ? done() : child.once('exit', done)));
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
