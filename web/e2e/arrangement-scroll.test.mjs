// A long arrangement (40 tracks) in the real app: the timeline canvas stays the size of the view
// however large the song is (only the visible part is drawn), and after scrolling down and right,
// what is under the pointer is what a click selects and a drag moves (content coordinates).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { songOf, storeSong } from './support/songs.mjs';
import { launchBrowser, screenshotPath, startServer } from './support/stack.mjs';

const TRACKS = 40;
let server;
let browser;
let page;
const pageErrors = [];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${server.url}/?live=off`);
  await page.waitForSelector('[aria-label="Transport"]');
  await storeSong(page, songOf(TRACKS));
  await page.reload();
  await page.waitForFunction((n) => document.querySelectorAll('.track-header').length === n, TRACKS);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const canvasBox = () =>
  page.evaluate(() => {
    const canvas = document.querySelector('canvas[data-testid="timeline"]');
    const section = document.querySelector('.arrangement');
    return { width: canvas.width / devicePixelRatio, height: canvas.height / devicePixelRatio, viewWidth: section.clientWidth, viewHeight: section.clientHeight };
  });

it('draws into a canvas no larger than the view', async () => {
  const box = await canvasBox();
  assert.ok(box.width <= box.viewWidth && box.height <= box.viewHeight, JSON.stringify(box));
  const content = await page.locator('.timeline-content').boundingBox();
  assert.ok(content.height > 40 * 64, 'the content (scroll extent) is still the whole song');
});

it('selects and moves the clip under the pointer after scrolling down and right', async () => {
  await page.locator('.arrangement').evaluate((section) => {
    section.scrollTop = 30 * 64; // track 31 near the top of the view
    section.scrollLeft = 300;
  });
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  const clip = page.locator('[data-clip-id="song-clip-31"]');
  const box = await clip.boundingBox();
  const canvasLeft = await page.locator('canvas[data-testid="timeline"]').evaluate((c) => c.getBoundingClientRect().left);
  const x = Math.max(box.x, canvasLeft) + 100;
  // The pixels under the clip handles are the clips' header colours (drawn at 80% over the lane):
  // the canvas draws each clip where its handle is, scrolled.
  const pixelAt = (px, py) =>
    page.evaluate(([cx, cy]) => {
      const canvas = document.querySelector('canvas[data-testid="timeline"]');
      const rect = canvas.getBoundingClientRect();
      return [...canvas.getContext('2d').getImageData(Math.round((cx - rect.left) * devicePixelRatio), Math.round((cy - rect.top) * devicePixelRatio), 1, 1).data.slice(0, 3)];
    }, [px, py]);
  const header = (hex) => [1, 3, 5].map((i) => Math.round(0.8 * parseInt(hex.slice(i, i + 2), 16) + 0.2 * 0x15));
  const near = (got, want) => got.every((c, i) => Math.abs(c - want[i]) < 16);
  const ownPixel = await pixelAt(x, box.y + 6);
  assert.ok(near(ownPixel, header('#c0608f')), `track 32's clip header, got ${ownPixel}`);
  const neighbour = await page.locator('[data-clip-id="song-clip-30"]').boundingBox();
  const neighbourPixel = await pixelAt(x, neighbour.y + 6);
  assert.ok(near(neighbourPixel, header('#59b36b')), `track 31's clip header, got ${neighbourPixel}`);
  await page.screenshot({ path: screenshotPath('arrangement-scrolled') });

  await page.mouse.click(x, box.y + box.height / 2);
  assert.equal(await clip.getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('[data-testid="clip"][aria-selected="true"]').count(), 1);

  const start = Number(await clip.getAttribute('data-start-beat'));
  await page.mouse.move(x, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(x + 2 * 24, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  assert.equal(Number(await clip.getAttribute('data-start-beat')), start + 2, 'moved by two beats (the drag snapped to the beat grid)');
  assert.equal(await page.locator('[data-clip-id="song-clip-30"]').getAttribute('data-start-beat'), '0.5', 'its neighbour did not move');
  assert.deepEqual(pageErrors, []);
});
