#!/usr/bin/env python3
"""Seeds for amplitude_dawproject_import_fuzzer: small DAWprojects in both of its input forms
(first byte even: a whole .dawproject ZIP; odd: project.xml text the fuzzer zips with audio/a.wav).
Usage: make-dawproject-seeds.py CORPUS_DIR"""
import io, os, struct, sys, zipfile

PROJECT = """<?xml version="1.0" encoding="UTF-8"?>
<Project version="1.0">
  <Application name="seed" version="1"/>
  <Transport><Tempo id="t" unit="bpm" value="100"/><TimeSignature id="ts" numerator="3" denominator="4"/></Transport>
  <Structure>
    <Track contentType="audio" id="a" name="Audio" color="#ff0000">
      <Channel id="ac" role="regular" destination="m" solo="false">
        <Devices>
          <Equalizer deviceName="EQ" deviceRole="audioFX" id="eq"><Band type="bell"><Freq id="f" unit="hertz" value="1000"/><Gain unit="decibel" value="3"/></Band></Equalizer>
          <Vst3Plugin deviceID="ABCD" deviceName="Fx" deviceRole="audioFX" id="fx"><Parameters><RealParameter id="p1" parameterID="7" unit="normalized" value="0.5"/></Parameters><State path="plugins/fx.vstpreset"/></Vst3Plugin>
          <NoiseGate deviceName="Gate" deviceRole="audioFX"><Threshold unit="decibel" value="-40"/></NoiseGate>
        </Devices>
        <Mute id="mu" value="false"/><Pan id="pa" unit="normalized" value="0.25"/>
        <Sends><Send destination="bc" type="post"><Volume unit="linear" value="0.5"/></Send></Sends>
        <Volume id="vo" unit="linear" value="0.5"/>
      </Channel>
    </Track>
    <Track contentType="notes" id="n" name="Keys"><Channel id="nc" role="regular" destination="m"/></Track>
    <Track contentType="audio" id="b" name="Bus"><Channel id="bc" role="effect" destination="m"/></Track>
    <Track contentType="audio" id="mt" name="Master"><Channel id="m" role="master"/></Track>
  </Structure>
  <Arrangement id="arr">
    <Lanes timeUnit="beats">
      <Lanes track="a">
        <Clips><Clip time="4" duration="2" playStart="0" fadeTimeUnit="beats" fadeInTime="0.5"><Warps contentTimeUnit="seconds" timeUnit="beats"><Audio channels="1" sampleRate="48000" duration="0.001"><File path="audio/a.wav"/></Audio><Warp time="0" contentTime="0"/><Warp time="2" contentTime="1.2"/></Warps></Clip></Clips>
        <Points><Target parameter="vo"/><RealPoint time="0" value="0.5" interpolation="linear"/><RealPoint time="8" value="1"/></Points>
      </Lanes>
      <Lanes track="n" timeUnit="seconds">
        <Clips><Clip time="1" duration="2.4" contentTimeUnit="beats" loopStart="0" loopEnd="2"><Notes><Note time="0" duration="1" key="60" channel="0" vel="0.8" rel="0.5"/><Note time="1.5" duration="0.5" key="64" channel="1"/></Notes></Clip></Clips>
      </Lanes>
    </Lanes>
    <Markers><Marker time="8" name="B" color="#00ff00"/></Markers>
    <TempoAutomation unit="bpm"><Target parameter="t"/><RealPoint time="0" value="100" interpolation="hold"/><RealPoint time="12" value="140" interpolation="hold"/></TempoAutomation>
    <TimeSignatureAutomation><Target parameter="ts"/><TimeSignaturePoint time="6" numerator="4" denominator="4"/></TimeSignatureAutomation>
  </Arrangement>
</Project>
"""

NESTED = """<Project version="1.0"><Application name="seed" version="1"/>
  <Structure><Track contentType="notes" id="k" name="Keys"><Channel id="kc" role="regular"/></Track></Structure>
  <Arrangement><Lanes timeUnit="beats"><Lanes track="k"><Clips>
    <Clip time="4" duration="4" playStart="1"><Clips><Clip time="2" duration="4"><Notes id="na"><Note time="0" duration="1" channel="0" key="60"/></Notes></Clip></Clips></Clip>
    <Clip time="10" duration="2" reference="na"/>
  </Clips></Lanes></Lanes></Arrangement></Project>
"""

def wav(frames=48, rate=48000):
    data = b"".join(struct.pack("<h", (i * 997) % 20000 - 10000) for i in range(frames))
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body

def archive(project, extra=True):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.xml", project)
        z.writestr("metadata.xml", "<MetaData><Title>Seed</Title></MetaData>")
        if extra:
            z.writestr("audio/a.wav", wav())
            z.writestr("plugins/fx.vstpreset", b"\x01\x02state")
    return out.getvalue()

def main():
    corpus = sys.argv[1]
    os.makedirs(corpus, exist_ok=True)
    seeds = {
        "zip-full": b"\x00" + archive(PROJECT),
        "zip-no-audio": b"\x00" + archive(PROJECT, extra=False),
        "xml-full": b"\x01" + PROJECT.encode(),
        "xml-nested": b"\x01" + NESTED.encode(),
        "xml-minimal": b"\x01" + b'<Project version="1.0"><Application name="a" version="1"/></Project>',
    }
    for name, data in seeds.items():
        with open(os.path.join(corpus, "seed-" + name), "wb") as f:
            f.write(data)

main()
