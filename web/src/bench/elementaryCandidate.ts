// R1/R2 in Elementary (@elemaudio/core graph, @elemaudio/web-renderer: its WebAssembly runtime in
// an AudioWorklet), rendered in an OfflineAudioContext; timing startRendering() only.
// Per track: el.blepsaw -> el.peak x3 -> el.compress (self-sidechained) -> el.delay 250 ms
// (feedback 0.4) mixed 0.7/0.3 -> constant-power pan gains -> (R2: Freeverb on each channel: 8
// damped combs made with tapIn/tapOut + el.sdelay + el.pole, 4 all-passes made with el.delay) ->
// sum -> master gain 0.1.
//
// Every track's source carries its own key: Elementary shares structurally identical subgraphs,
// and tracks that repeat a pitch and pan would otherwise be computed once.
import { el, type ElemNode, type NodeRepr_t } from '@elemaudio/core';
import { COMPRESSOR, DELAY, EQ_BANDS, FREEVERB, MASTER_GAIN, QUANTUM_FRAMES, SAMPLE_RATE, panGains, panPosition, sourceFrequency, type ChainSpec } from './chains';
import { peakOf } from './builtinCandidate';

const STEREO_SPREAD = 23;

/** One channel of Freeverb. The comb's damped feedback loop needs tapIn/tapOut (which delays by
 * exactly one block), so each comb's line is tapIn + el.sdelay(D - 128) and its output is the
 * tapOut (the line's input one block later): the same operations as Freeverb's comb. */
function freeverbChannel(name: string, x: ElemNode, spread: number): NodeRepr_t {
  const input = el.mul(FREEVERB.inputGain, x);
  const combs = FREEVERB.combSamples.map((samples, index) => {
    const tap = `${name}-comb${index}`;
    const length = samples + spread - QUANTUM_FRAMES;
    const line = el.sdelay({ size: length }, el.tapIn({ name: tap }));
    const damped = el.pole(FREEVERB.damping, el.mul(1 - FREEVERB.damping, line));
    return el.tapOut({ name: tap }, el.add(input, el.mul(FREEVERB.combFeedback, damped)));
  });
  let stage: NodeRepr_t = el.add(...combs);
  for (const samples of FREEVERB.allpassSamples) {
    // Freeverb's all-pass: y[n] = w[n] - x[n] with w[n] = x[n - D] + 0.5 w[n - D].
    const length = samples + spread;
    stage = el.sub(el.delay({ size: length }, length, FREEVERB.allpassFeedback, stage), stage);
  }
  return el.add(el.mul(1 - FREEVERB.mix, x), el.mul(FREEVERB.mix, stage));
}

function track(index: number, reverb: boolean): [NodeRepr_t, NodeRepr_t] {
  let x: NodeRepr_t = el.blepsaw(el.const({ key: `frequency-${index}`, value: sourceFrequency(index) }));
  for (const band of EQ_BANDS) x = el.peak(band.frequency, band.q, band.gainDb, x);
  x = el.compress(COMPRESSOR.attackMs, COMPRESSOR.releaseMs, COMPRESSOR.thresholdDb, COMPRESSOR.ratio, x, x);
  const delayFrames = Math.round(DELAY.seconds * SAMPLE_RATE);
  const wet = el.delay({ size: delayFrames }, delayFrames, DELAY.feedback, x);
  x = el.add(el.mul(1 - DELAY.mix, x), el.mul(DELAY.mix, wet));
  const [left, right] = panGains(panPosition(index));
  const l = el.mul(left, x);
  const r = el.mul(right, x);
  if (!reverb) return [l, r];
  return [freeverbChannel(`t${index}L`, l, 0), freeverbChannel(`t${index}R`, r, STEREO_SPREAD)];
}

export async function renderElementaryOffline(spec: ChainSpec): Promise<{ renderMs: number; peak: number }> {
  const context = new OfflineAudioContext({ numberOfChannels: 2, length: Math.round(spec.seconds * SAMPLE_RATE), sampleRate: SAMPLE_RATE });
  // Its own chunk: the renderer embeds Elementary's WebAssembly runtime (~490 kB).
  const { default: WebRenderer } = await import('@elemaudio/web-renderer');
  const core = new WebRenderer();
  // A long event interval: nothing here listens to Elementary's events during the render.
  const node = await core.initialize(context as unknown as AudioContext, { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [2] }, 60_000);
  node.connect(context.destination);
  const lefts: NodeRepr_t[] = [];
  const rights: NodeRepr_t[] = [];
  for (let index = 0; index < spec.tracks; index++) {
    const [l, r] = track(index, spec.reverb);
    lefts.push(l);
    rights.push(r);
  }
  await core.render(el.mul(MASTER_GAIN, el.add(...lefts)), el.mul(MASTER_GAIN, el.add(...rights)));
  try {
    const started = performance.now();
    const rendered = await context.startRendering();
    const renderMs = performance.now() - started;
    return { renderMs, peak: peakOf(rendered) };
  } finally {
    clearInterval((core as unknown as { _timer: number })._timer);
    node.port.onmessage = null;
  }
}
