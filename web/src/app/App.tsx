// The walking-skeleton screen: transport, the boot patch's oscillator and gain, an output meter.
// Parameter values live here, in one place; every change goes to the engine as a SetParam command.
import { useCallback, useEffect, useState } from 'react';
import { BOOT_PATCH, DEVICES, type Command } from '../generated/protocol.generated';
import { EngineStatus } from './EngineStatus';
import { LevelMeter } from './LevelMeter';
import { ParamControl } from './ParamControl';
import { TransportBar } from './TransportBar';
import { useEngineSession, useSessionSnapshot } from './useEngineSession';

const oscillatorParams = DEVICES.Oscillator.params;
const gainParams = DEVICES.Gain.params;

interface PatchValues {
  frequency: number;
  waveform: number;
  gain: number;
}

const defaults: PatchValues = {
  frequency: oscillatorParams.frequency.defaultValue,
  waveform: oscillatorParams.waveform.defaultValue,
  gain: gainParams.gain.defaultValue,
};

function patchCommands(values: PatchValues): Command[] {
  const oscillator = BOOT_PATCH.oscillator.nodeId;
  return [
    { type: 'SetParam', nodeId: oscillator, paramId: oscillatorParams.frequency.id, value: values.frequency },
    { type: 'SetParam', nodeId: oscillator, paramId: oscillatorParams.waveform.id, value: values.waveform },
    { type: 'SetParam', nodeId: BOOT_PATCH.outputGain.nodeId, paramId: gainParams.gain.id, value: values.gain },
  ];
}

export function App() {
  const session = useEngineSession();
  const snapshot = useSessionSnapshot();
  const [values, setValues] = useState(defaults);
  const [playing, setPlaying] = useState(false);

  const change = (key: keyof PatchValues) => (value: number) => {
    const next = { ...values, [key]: value };
    setValues(next);
    const command = patchCommands(next)[['frequency', 'waveform', 'gain'].indexOf(key)];
    if (command) session.client?.send(command);
  };

  const play = useCallback(async () => {
    const client = await session.start(patchCommands(values));
    client?.send({ type: 'Play' });
    setPlaying(client !== null);
  }, [session, values]);

  const stop = useCallback(() => {
    session.client?.send({ type: 'Stop' });
    setPlaying(false);
  }, [session]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.code !== 'Space' || event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
      event.preventDefault();
      if (playing) stop();
      else void play();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [playing, play, stop]);

  const blocked = snapshot.status === 'starting' || (snapshot.status === 'idle' && snapshot.message !== null);

  return (
    <div className="app">
      <header className="app-header">
        <h1>Amplitude</h1>
        <TransportBar onPlay={() => void play()} onStop={stop} disabled={blocked} />
      </header>
      <main className="panels">
        <section className="panel" aria-labelledby="oscillator-title">
          <h2 id="oscillator-title">Oscillator</h2>
          <ParamControl declaration={oscillatorParams.frequency} value={values.frequency} onChange={change('frequency')} />
          <ParamControl declaration={oscillatorParams.waveform} value={values.waveform} onChange={change('waveform')} />
        </section>
        <section className="panel" aria-labelledby="output-title">
          <h2 id="output-title">Output</h2>
          <ParamControl declaration={gainParams.gain} value={values.gain} onChange={change('gain')} />
          <LevelMeter />
        </section>
      </main>
      <EngineStatus />
    </div>
  );
}
