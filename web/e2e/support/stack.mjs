// Starts the real stack for browser tests: our C++ server serving the built app, and Debian's
// Chromium driven by playwright-core. Nothing is mocked and nothing is downloaded.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const repoDir = resolve(webDir, '..');
export const distDir = join(webDir, 'dist');
export const resultsDir = join(webDir, 'test-results');

const serverBinary = process.env.AMPLITUDE_SERVER_BIN ?? join(repoDir, 'build/native/server/amplitude-server');
const chromiumPath = process.env.AMPLITUDE_CHROMIUM ?? '/usr/bin/chromium';

/** Starts amplitude-server on a free port; resolves once it prints its listening line. */
export function startServer() {
  // A fresh data directory (SQLite database, uploaded assets) per run, removed when it stops.
  const dataDir = mkdtempSync(join(tmpdir(), 'amplitude-e2e-data-'));
  const child = spawn(serverBinary, ['--host', '127.0.0.1', '--port', '0', '--web-root', distDir, '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 10 s:\n${stderr}`)), 10_000);
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/[^\s]+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolvePromise({
          url: match[1].replace(/\/$/, ''),
          logs: () => stderr,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done(child.exitCode);
              child.once('exit', (code) => done(code));
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${stderr}`));
    });
  });
}

/** Headless Chromium with the flags this machine needs (see ../shared/notes/toolchain.md). */
export async function launchBrowser(extraArgs = []) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'amplitude-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1100, height: 560 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
      ...extraArgs,
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export function screenshotPath(name) {
  mkdirSync(resultsDir, { recursive: true });
  return join(resultsDir, `${name}.png`);
}

/** Float32 samples from the harness's base64 form. */
export function decodeChannel(base64) {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}
