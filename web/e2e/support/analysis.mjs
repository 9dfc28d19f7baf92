// Numerical checks of rendered audio, shared by the browser tests.

/** Frequency from rising zero crossings, each located by linear interpolation. */
export function zeroCrossingFrequency(signal, sampleRate) {
  let first = -1;
  let last = -1;
  let periods = 0;
  for (let i = 1; i < signal.length; i++) {
    const a = signal[i - 1];
    const b = signal[i];
    if (a < 0 && b >= 0) {
      const at = i - 1 + a / (a - b);
      if (first < 0) first = at;
      else periods++;
      last = at;
    }
  }
  return (periods * sampleRate) / (last - first);
}

/** Amplitude of the component at `frequency` (single-bin DFT; exact over whole periods). */
export function toneAmplitude(signal, frequency, sampleRate) {
  let re = 0;
  let im = 0;
  const omega = (2 * Math.PI * frequency) / sampleRate;
  for (let i = 0; i < signal.length; i++) {
    re += signal[i] * Math.cos(omega * i);
    im -= signal[i] * Math.sin(omega * i);
  }
  return (2 * Math.hypot(re, im)) / signal.length;
}

export const toDecibels = (gain) => 20 * Math.log10(gain);
