// The engine's devices as the converter sees them: which document device names exist, their
// parameter declarations (protocol schema), and a parameter's value with its default filled in.
#pragma once

#include <amplitude/project/Project.generated.h>
#include <amplitude/protocol/Protocol.generated.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

namespace amplitude::io::dawproject {

inline const protocol::DeviceInfo* amplitudeDevice(std::string_view name) {
  for (const auto& device : protocol::kDevices) {
    if (device.name == name) return &device;
  }
  return nullptr;
}

inline const protocol::ParamDeclaration* amplitudeParam(const protocol::DeviceInfo& device, std::string_view name) {
  for (std::size_t i = 0; i < device.paramCount; ++i) {
    if (device.params[i].name == name) return &device.params[i];
  }
  return nullptr;
}

inline std::optional<project::EffectDeviceName> effectNamed(std::string_view name) {
  using E = project::EffectDeviceName;
  for (const E value : {E::Gain, E::ParametricEq, E::Compressor, E::Limiter, E::Delay, E::Reverb, E::Pan}) {
    if (project::toString(value) == name) return value;
  }
  return std::nullopt;
}

inline std::optional<project::InstrumentDeviceName> instrumentNamed(std::string_view name) {
  using I = project::InstrumentDeviceName;
  for (const I value : {I::PolySynth, I::Sampler, I::DrumMachine}) {
    if (project::toString(value) == name) return value;
  }
  return std::nullopt;
}

/// A declaration's float (0.71f) as the double its text means (0.71, not 0.7099999785...).
inline double declaredValue(float value) {
  char text[32];
  const auto written = std::to_chars(text, text + sizeof text, value);
  double result = value;
  std::from_chars(text, written.ptr, result);
  return result;
}

/// The parameter's value in `params`, or its declared default.
inline double paramValue(const project::Params& params, const protocol::DeviceInfo& device, std::string_view name) {
  if (const auto it = params.find(std::string(name)); it != params.end()) return it->second;
  const auto* declaration = amplitudeParam(device, name);
  return declaration ? declaredValue(declaration->defaultValue) : 0.0;
}

}  // namespace amplitude::io::dawproject
