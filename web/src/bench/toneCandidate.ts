// R1/R2 in Tone.js, rendered the way Tone.Offline renders (an OfflineContext made current, the
// graph built, context.render()), timing render() only: Tone's clock pass plus the offline render.
// Per track: Tone.Oscillator sawtooth -> Tone.Filter peaking x3 -> Tone.Compressor (hard knee) ->
// Tone.FeedbackDelay 250 ms (feedback 0.4, wet 0.3) -> Tone.Panner -> (R2: Tone.Freeverb, wet 0.3)
// -> master Tone.Gain 0.1.
import * as Tone from 'tone';
import { COMPRESSOR, DELAY, EQ_BANDS, FREEVERB, MASTER_GAIN, SAMPLE_RATE, panPosition, sourceFrequency, type ChainSpec } from './chains';

export async function renderToneOffline(spec: ChainSpec): Promise<{ renderMs: number; peak: number }> {
  const original = Tone.getContext();
  const context = new Tone.OfflineContext(2, spec.seconds, SAMPLE_RATE);
  Tone.setContext(context);
  try {
    const master = new Tone.Gain(MASTER_GAIN).toDestination();
    for (let track = 0; track < spec.tracks; track++) {
      const source = new Tone.Oscillator({ type: 'sawtooth', frequency: sourceFrequency(track) });
      const filters = EQ_BANDS.map((band) => new Tone.Filter({ type: 'peaking', frequency: band.frequency, Q: band.q, gain: band.gainDb, rolloff: -12 }));
      const compressor = new Tone.Compressor({
        threshold: COMPRESSOR.thresholdDb,
        ratio: COMPRESSOR.ratio,
        attack: COMPRESSOR.attackMs / 1000,
        release: COMPRESSOR.releaseMs / 1000,
        knee: 0,
      });
      const delay = new Tone.FeedbackDelay({ delayTime: DELAY.seconds, feedback: DELAY.feedback, wet: DELAY.mix, maxDelay: 1 });
      const pan = new Tone.Panner(panPosition(track));
      const chain: Tone.ToneAudioNode[] = [...filters, compressor, delay, pan];
      if (spec.reverb) chain.push(new Tone.Freeverb({ roomSize: FREEVERB.combFeedback, dampening: 3000, wet: FREEVERB.mix }));
      source.chain(...chain, master);
      source.start(0);
    }
    const started = performance.now();
    const rendered = await context.render();
    const renderMs = performance.now() - started;
    const channels = rendered.toArray() as Float32Array[];
    let peak = 0;
    for (const data of channels) for (let i = 0; i < data.length; i += 7) peak = Math.max(peak, Math.abs(data[i]!));
    return { renderMs, peak };
  } finally {
    Tone.setContext(original);
    void context.dispose();
  }
}
