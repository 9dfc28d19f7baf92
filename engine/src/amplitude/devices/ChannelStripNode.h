// ChannelStripNode: a mixer channel (track, bus or master). Input -> polarity -> mute/solo gate -> pre-fader
// output (port 1, for pre-fader sends) -> fader (dB) -> constant-power pan -> output (port 0),
// metered post-fader.
//
// Pan: a stereo balance with a constant-power taper, unity at centre: left = min(1, sqrt2*cos(theta)),
// right = min(1, sqrt2*sin(theta)), theta = (pan + 1) * pi/4. Centre leaves a mix untouched (so a
// fader at 0 dB is the identity, what a master channel must be); the Pan device has the -3 dB
// mono law for sources that need it. Each side keeps its own channel. The fader and both pan
// gains are ramped linearly over the declared smoothing time; mute fades over 5 ms. Solo is
// resolved by the graph, which calls setSoloMuted() on the channels a solo silences.
#pragma once

#include <amplitude/dsp/DeterministicMath.h>
#include <amplitude/dsp/LinearRamp.h>
#include <amplitude/dsp/Meter.h>
#include <amplitude/graph/Node.h>

#include <cmath>

namespace amplitude::devices {

class ChannelStripNode final : public graph::Node {
 public:
  using Declaration = protocol::devices::ChannelStrip;
  static constexpr double kMuteFadeSeconds = 0.005;

  void prepare(double sampleRate) override {
    const auto samplesFor = [sampleRate](double ms) {
      return static_cast<std::uint32_t>(std::lround(ms * 0.001 * sampleRate));
    };
    volumeRamp_ = samplesFor(Declaration::kParams[Declaration::volume].smoothingMs);
    panRamp_ = samplesFor(Declaration::kParams[Declaration::pan].smoothingMs);
    muteRamp_ = samplesFor(kMuteFadeSeconds * 1000.0);
    for (auto& meter : meters_) meter.prepare(sampleRate, graph::kQuantumFrames);
    reset();
  }

  void reset() noexcept override {
    volume_.reset(static_cast<float>(dsp::decibelsToGain(Declaration::kParams[Declaration::volume].defaultValue)));
    setPanGains(Declaration::kParams[Declaration::pan].defaultValue, 0);
    mute_ = solo_ = soloSafe_ = soloMuted_ = false;
    polarity_ = 1.0f;
    gate_.reset(1.0f);
    for (auto& meter : meters_) meter.reset();
  }

  void setParam(std::uint32_t paramId, float value) noexcept override {
    switch (paramId) {
      case Declaration::volume: volume_.setTarget(static_cast<float>(dsp::decibelsToGain(value)), volumeRamp_); break;
      case Declaration::pan: setPanGains(value, panRamp_); break;
      case Declaration::mute: mute_ = value >= 0.5f; updateGate(); break;
      case Declaration::solo: solo_ = value >= 0.5f; break;
      case Declaration::soloSafe: soloSafe_ = value >= 0.5f; break;
      case Declaration::invert: polarity_ = value >= 0.5f ? -1.0f : 1.0f; break;
      default: break;
    }
  }

  void automateParam(std::uint32_t paramId, float value, std::uint32_t frames) noexcept override {
    if (paramId == Declaration::volume) {
      volume_.setTarget(static_cast<float>(dsp::decibelsToGain(value)), frames);
    } else if (paramId == Declaration::pan) {
      setPanGains(value, frames);
    } else {
      setParam(paramId, value);
    }
  }

  bool isSoloed() const noexcept { return solo_; }
  bool isSoloSafe() const noexcept { return soloSafe_; }
  void setSoloMuted(bool muted) noexcept {
    soloMuted_ = muted;
    updateGate();
  }

  void skip(const graph::ProcessContext& context) noexcept override {
    gate_.advance(context.frames);
    volume_.advance(context.frames);
    panLeft_.advance(context.frames);
    panRight_.advance(context.frames);
    meterQuantum(context);
  }

  void process(const graph::ProcessContext& context) noexcept override {
    const std::uint32_t begin = context.begin;
    const float* inLeft = context.input->left + begin;
    const float* inRight = context.input->right + begin;
    float* preLeft = context.preFader->left + begin;
    float* preRight = context.preFader->right + begin;
    float* left = context.output->left + begin;
    float* right = context.output->right + begin;
    for (std::uint32_t i = 0; i < context.frames; ++i) {
      const float gate = gate_.next() * polarity_;
      preLeft[i] = inLeft[i] * gate;
      preRight[i] = inRight[i] * gate;
      const float volume = volume_.next();
      left[i] = preLeft[i] * (volume * panLeft_.next());
      right[i] = preRight[i] * (volume * panRight_.next());
    }
    meterQuantum(context);
  }

  float peak(int channel) const noexcept { return meters_[channel].peak(); }
  float rms(int channel) const noexcept { return meters_[channel].rms(); }

  static double panGainLeft(double pan) noexcept { return balanceGain(dsp::cos2pi((pan + 1.0) * 0.125)); }
  static double panGainRight(double pan) noexcept { return balanceGain(dsp::sin2pi((pan + 1.0) * 0.125)); }

 private:
  static double balanceGain(double constantPowerGain) noexcept {
    constexpr double kSqrt2 = 1.41421356237309504880168872420969808;
    const double gain = constantPowerGain * kSqrt2;
    return gain > 1.0 ? 1.0 : gain;
  }

  void setPanGains(float pan, std::uint32_t frames) noexcept {
    panLeft_.setTarget(static_cast<float>(panGainLeft(pan)), frames);
    panRight_.setTarget(static_cast<float>(panGainRight(pan)), frames);
  }

  /// Meters see whole quanta: after the segment that ends the quantum.
  void meterQuantum(const graph::ProcessContext& context) noexcept {
    if (context.begin + context.frames != graph::kQuantumFrames) return;
    meters_[0].process(context.output->left, graph::kQuantumFrames);
    meters_[1].process(context.output->right, graph::kQuantumFrames);
  }

  void updateGate() noexcept { gate_.setTarget(mute_ || soloMuted_ ? 0.0f : 1.0f, muteRamp_); }

  dsp::LinearRamp volume_;
  dsp::LinearRamp panLeft_;
  dsp::LinearRamp panRight_;
  dsp::LinearRamp gate_;
  std::uint32_t volumeRamp_ = 0;
  std::uint32_t panRamp_ = 0;
  std::uint32_t muteRamp_ = 0;
  bool mute_ = false;
  bool solo_ = false;
  bool soloSafe_ = false;
  bool soloMuted_ = false;
  float polarity_ = 1.0f;  ///< -1 inverts (a switch, as on a console: exact, not ramped)
  dsp::Meter meters_[2];
};

}  // namespace amplitude::devices
