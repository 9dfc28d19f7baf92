// Songs for browser tests and the UI benchmark, put into the page's IndexedDB exactly as the app
// saves a project (database "amplitude": the document's JSON under "current", each asset's planar
// PCM under its id), so a reload opens them like a returning user's project.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoDir } from './stack.mjs';

export const SONG_RATE = 48_000;
const TONE_FRAMES = 2 * SONG_RATE;
const COLOURS = ['#4f9dde', '#e0a030', '#59b36b', '#c0608f'];

const example = (name) => JSON.parse(readFileSync(join(repoDir, 'protocol/project/examples', name), 'utf8'));

/** A valid project with `tracks` audio tracks, each a looping clip of one shared 2 s tone. */
export function songOf(tracks) {
  const song = example('minimal.json');
  const full = example('full.json');
  const template = full.tracks.find((t) => t.kind === 'audio');
  const audioClip = full.tracks.flatMap((t) => t.clips).find((c) => c.kind === 'audio');
  const asset = { id: 'song-tone', name: 'tone.wav', sha256: 'a'.repeat(64), sampleRate: SONG_RATE, channels: 2, frames: TONE_FRAMES, mime: 'audio/wav' };
  const master = song.tracks.find((t) => t.kind === 'master');
  song.project.sampleRate = SONG_RATE;
  song.assets = [asset];
  for (let i = 0; i < tracks; ++i) {
    song.tracks.push({
      ...structuredClone(template),
      id: `song-track-${i}`,
      name: `Track ${i + 1}`,
      colour: COLOURS[i % COLOURS.length],
      order: i + 1,
      output: master.id,
      strip: { volumeDb: 0, pan: 0, mute: false, solo: false, soloSafe: false, invert: false },
      sends: [],
      inserts: [],
      automation: [],
      clips: [{
        ...structuredClone(audioClip),
        id: `song-clip-${i}`,
        name: `tone ${i + 1}`,
        assetId: asset.id,
        startBeat: (i % 4) * 0.25,
        lengthBeats: 256,
        sourceOffsetSeconds: 0,
        gainDb: -24,
        loop: { enabled: true, lengthBeats: 4 },
        muted: false,
      }],
    });
  }
  return song;
}

/** Writes `song` (and the tone its clips play) where the app keeps its project; reload after. */
export async function storeSong(page, song) {
  // A fresh page saves its new empty project shortly after it starts (and again on pagehide if
  // that save is still pending): wait for that save first, or it would overwrite the song.
  await page.waitForFunction(
    () =>
      new Promise((resolve) => {
        const open = indexedDB.open('amplitude', 1);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('documents')) return resolve(db.close() ?? false);
          const get = db.transaction('documents').objectStore('documents').get('current');
          get.onsuccess = () => resolve(db.close() ?? get.result !== undefined);
          get.onerror = () => resolve(db.close() ?? false);
        };
        open.onerror = () => resolve(false);
      }),
    null,
    { timeout: 10_000, polling: 100 },
  );
  await page.evaluate(
    async ({ text, frames, rate, assetId }) => {
      const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open('amplitude', 1);
        open.onupgradeneeded = () => {
          for (const name of ['documents', 'audio']) if (!open.result.objectStoreNames.contains(name)) open.result.createObjectStore(name);
        };
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const channels = [0, 1].map((c) => Float32Array.from({ length: frames }, (_, i) => 0.5 * Math.sin((2 * Math.PI * (220 + 110 * c) * i) / rate)));
      const tx = db.transaction(['documents', 'audio'], 'readwrite');
      tx.objectStore('documents').put(text, 'current');
      tx.objectStore('audio').put({ sampleRate: rate, channels }, assetId);
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { text: JSON.stringify(song), frames: TONE_FRAMES, rate: SONG_RATE, assetId: 'song-tone' },
  );
}
