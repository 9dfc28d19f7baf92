// R1/R2 made of Chromium's built-in Web Audio nodes, in any BaseAudioContext (offline for
// throughput, realtime for capacity). Per track: OscillatorNode 'sawtooth' (band-limited, as the
// engine's source) -> BiquadFilterNode 'peaking' x3 -> DynamicsCompressorNode (hard knee) ->
// DelayNode 250 ms with a feedback GainNode 0.4 and a 0.7/0.3 dry/wet mix -> StereoPannerNode ->
// (R2: Freeverb network of DelayNode/IIRFilterNode/GainNode, no ConvolverNode) -> master gain.
import { COMPRESSOR, DELAY, EQ_BANDS, FREEVERB, MASTER_GAIN, SAMPLE_RATE, panPosition, sourceFrequency, type ChainSpec } from './chains';

/** A Freeverb-class reverb (8 lowpass-feedback combs in parallel, 4 all-passes in series) with
 * dry/wet mix, from built-in nodes. Returns its input and output. */
function freeverb(context: BaseAudioContext): { input: AudioNode; output: AudioNode } {
  const input = new GainNode(context, { gain: 1 });
  const output = new GainNode(context, { gain: 1 });
  const dry = new GainNode(context, { gain: 1 - FREEVERB.mix });
  input.connect(dry).connect(output);
  const scaled = new GainNode(context, { gain: FREEVERB.inputGain });
  input.connect(scaled);
  const combSum = new GainNode(context, { gain: 1 });
  for (const samples of FREEVERB.combSamples) {
    // v[n] = x[n] + feedback * lowpass(v[n - D]); out = v[n - D]
    const sum = new GainNode(context, { gain: 1 });
    const line = new DelayNode(context, { maxDelayTime: 0.1, delayTime: samples / SAMPLE_RATE });
    const damp = new IIRFilterNode(context, { feedforward: [1 - FREEVERB.damping], feedback: [1, -FREEVERB.damping] });
    const feedback = new GainNode(context, { gain: FREEVERB.combFeedback });
    scaled.connect(sum).connect(line);
    line.connect(damp).connect(feedback).connect(sum);
    line.connect(combSum);
  }
  let stage: AudioNode = combSum;
  for (const samples of FREEVERB.allpassSamples) {
    // v[n] = x[n] + g v[n - D]; y[n] = v[n - D] - x[n]
    const sum = new GainNode(context, { gain: 1 });
    const line = new DelayNode(context, { maxDelayTime: 0.1, delayTime: samples / SAMPLE_RATE });
    const feedback = new GainNode(context, { gain: FREEVERB.allpassFeedback });
    const negate = new GainNode(context, { gain: -1 });
    const out = new GainNode(context, { gain: 1 });
    stage.connect(sum).connect(line).connect(feedback).connect(sum);
    line.connect(out);
    stage.connect(negate).connect(out);
    stage = out;
  }
  const wet = new GainNode(context, { gain: FREEVERB.mix });
  stage.connect(wet).connect(output);
  return { input, output };
}

/** Builds the chain for every track into `context.destination`; returns the sources to start. */
export function buildBuiltinChain(context: BaseAudioContext, spec: Pick<ChainSpec, 'tracks' | 'reverb'>): OscillatorNode[] {
  const master = new GainNode(context, { gain: MASTER_GAIN });
  master.connect(context.destination);
  const sources: OscillatorNode[] = [];
  for (let track = 0; track < spec.tracks; track++) {
    const source = new OscillatorNode(context, { type: 'sawtooth', frequency: sourceFrequency(track) });
    sources.push(source);
    let node: AudioNode = source;
    for (const band of EQ_BANDS) {
      node = node.connect(new BiquadFilterNode(context, { type: 'peaking', frequency: band.frequency, Q: band.q, gain: band.gainDb }));
    }
    const compressor = new DynamicsCompressorNode(context, {
      threshold: COMPRESSOR.thresholdDb,
      ratio: COMPRESSOR.ratio,
      attack: COMPRESSOR.attackMs / 1000,
      release: COMPRESSOR.releaseMs / 1000,
      knee: 0,
    });
    node.connect(compressor);
    const mix = new GainNode(context, { gain: 1 });
    const dry = new GainNode(context, { gain: 1 - DELAY.mix });
    const wet = new GainNode(context, { gain: DELAY.mix });
    const line = new DelayNode(context, { maxDelayTime: 1, delayTime: DELAY.seconds });
    const feedback = new GainNode(context, { gain: DELAY.feedback });
    compressor.connect(dry).connect(mix);
    compressor.connect(line).connect(wet).connect(mix);
    line.connect(feedback).connect(line);
    const pan = new StereoPannerNode(context, { pan: panPosition(track) });
    mix.connect(pan);
    if (spec.reverb) {
      const reverb = freeverb(context);
      pan.connect(reverb.input);
      reverb.output.connect(master);
    } else {
      pan.connect(master);
    }
  }
  return sources;
}

export async function renderBuiltinOffline(spec: ChainSpec): Promise<{ renderMs: number; peak: number }> {
  const context = new OfflineAudioContext({ numberOfChannels: 2, length: Math.round(spec.seconds * SAMPLE_RATE), sampleRate: SAMPLE_RATE });
  for (const source of buildBuiltinChain(context, spec)) source.start(0);
  const started = performance.now();
  const rendered = await context.startRendering();
  const renderMs = performance.now() - started;
  return { renderMs, peak: peakOf(rendered) };
}

export function peakOf(buffer: AudioBuffer): number {
  let peak = 0;
  for (let channel = 0; channel < buffer.numberOfChannels; channel++) {
    const data = buffer.getChannelData(channel);
    for (let i = 0; i < data.length; i += 7) peak = Math.max(peak, Math.abs(data[i]!));
  }
  return peak;
}
