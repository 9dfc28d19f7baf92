#include <amplitude/io/dawproject/AmplitudeDevices.h>
#include <amplitude/io/dawproject/DeviceImport.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

// Bindings are written with designated initializers naming only the fields that matter; the
// others keep their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace amplitude::io::dawproject::import_detail {

std::vector<DeviceReader::XmlParameter> DeviceReader::readParameters(pugi::xml_node device) {
  std::vector<XmlParameter> parameters;
  for (pugi::xml_node node : device.child("Parameters").children()) {
    const std::string_view kind = node.name();
    if (kind != "RealParameter" && kind != "BoolParameter" && kind != "IntegerParameter" && kind != "EnumParameter") continue;
    XmlParameter parameter{node, node.attribute("name").value(), xml().integer(node, "parameterID"), std::nullopt, kind == "BoolParameter"};
    if (parameter.isBool) {
      if (const auto value = xml().boolean(node, "value")) parameter.value = *value ? 1.0 : 0.0;
    } else {
      parameter.value = xml().number(node, "value");
    }
    parameters.push_back(std::move(parameter));
  }
  return parameters;
}

/// Fits a value to the engine's declaration of the parameter (range, whole numbers).
double DeviceReader::fitParam(const std::string& device, const std::string& param, double value, const std::string& where) {
  const auto* range = project::findParameter(device, param);
  if (!range) return value;
  double fitted = std::clamp(value, range->min, range->max);
  if (range->integer) fitted = std::round(fitted);
  if (fitted != value) warn(where + ": " + device + " " + param + " " + numberText(value) + " set to " + numberText(fitted));
  return fitted;
}

std::optional<ImportedDevice> DeviceReader::read(pugi::xml_node node, const std::string& trackWhere) {
  const std::string element = node.name();
  const std::string where = xml().where(node) + " (" + trackWhere + ")";
  static const std::set<std::string> kDeviceElements = {"Vst2Plugin", "Vst3Plugin", "ClapPlugin", "AuPlugin", "Equalizer",
                                                       "Compressor", "Limiter",    "NoiseGate",  "BuiltinDevice", "Device"};
  if (!kDeviceElements.contains(element)) {
    warn(where + ": not a device element; skipped");
    return std::nullopt;
  }
  const std::string role = node.attribute("deviceRole").value();
  if (role == "noteFX") {
    warn(where + ": note effect '" + std::string(node.attribute("deviceName").value()) + "' is not imported (Amplitude has no note effects)");
    return std::nullopt;
  }
  ImportedDevice device;
  device.id = ids_.take(node.attribute("id").value(), "device");
  device.instrument = role == "instrument";
  if (const auto enabled = node.child("Enabled")) device.enabled = xml().boolean(enabled, "value").value_or(true);
  const std::string deviceName = node.attribute("deviceName").value();
  const std::string vendor = node.attribute("deviceVendor").value();

  if (vendor == "Amplitude" && (effectNamed(deviceName) || instrumentNamed(deviceName))) {
    readAmplitudeDevice(node, deviceName, device, where);
  } else if (element == "Equalizer") {
    readEqualizer(node, device, where);
  } else if (element == "Compressor") {
    readCompressor(node, device, where);
  } else if (element == "Limiter") {
    readLimiter(node, device, where);
  } else {
    readUnknownDevice(node, element, device, where);
  }
  return device;
}

/// A device this converter exported: its <Parameters> hold the document's params exactly
/// (by name); a parameter without a value is only there to be an automation target.
void DeviceReader::readAmplitudeDevice(pugi::xml_node node, const std::string& name, ImportedDevice& device, const std::string& where) {
  device.name = name;
  device.instrument = instrumentNamed(name).has_value();
  for (const auto& parameter : readParameters(node)) {
    if (!project::findParameter(name, parameter.name)) {
      warn(xml().where(parameter.node) + ": " + name + " has no parameter '" + parameter.name + "'; skipped");
      continue;
    }
    if (parameter.value) device.params[parameter.name] = fitParam(name, parameter.name, *parameter.value, where);
    device.bindings.push_back({parameter.node,
                               {.param = parameter.name, .device = name, .valueKind = parameter.isBool ? ValueKind::boolean : ValueKind::plain}});
  }
}

void DeviceReader::setStandard(ImportedDevice& device, pugi::xml_node parameter, const std::string& param, double value, ValueKind kind, const std::string& where) {
  device.params[param] = fitParam(device.name, param, value, where);
  device.bindings.push_back({parameter, {.param = param, .device = device.name, .valueKind = kind}});
}

void DeviceReader::warnIfGain(pugi::xml_node parameter, const std::string& what) {
  if (parameter && std::abs(xml().number(parameter, "value").value_or(0)) > 1e-9) {
    warn(xml().where(parameter) + ": " + what + " is not imported (the Amplitude device has none)");
  }
}

/// Seconds in DAWproject, milliseconds in Amplitude.
double DeviceReader::milliseconds(pugi::xml_node parameter, double fallback) {
  const std::string unit = parameter.attribute("unit").value();
  const double value = xml().number(parameter, "value").value_or(fallback);
  return unit == "seconds" || unit.empty() ? value * 1000 : value;
}

void DeviceReader::readEqualizer(pugi::xml_node node, ImportedDevice& device, const std::string& where) {
  device.name = "ParametricEq";
  int band = 0;
  for (pugi::xml_node bandNode : node.children("Band")) {
    if (++band > 8) {
      warn(where + ": band " + std::to_string(band) + " is not imported (the ParametricEq has 8 bands)");
      continue;
    }
    const std::string prefix = "band" + std::to_string(band);
    const std::string type = bandNode.attribute("type").value();
    const auto ourType = eqBandTypeFromDawProject(type);
    if (!ourType) xml().failAttribute(bandNode, "type", "'" + type + "' is not an EQ band type");
    device.params[prefix + "Type"] = *ourType;
    const auto freq = bandNode.child("Freq");
    if (!freq) xml().fail(bandNode, "element Freq is required");
    setStandard(device, freq, prefix + "Frequency", xml().number(freq, "value").value_or(1000), ValueKind::plain, where);
    if (const auto gain = bandNode.child("Gain")) setStandard(device, gain, prefix + "Gain", xml().number(gain, "value").value_or(0), ValueKind::plain, where);
    if (const auto q = bandNode.child("Q")) setStandard(device, q, prefix + "Q", xml().number(q, "value").value_or(0.71), ValueKind::plain, where);
    const auto enabled = bandNode.child("Enabled");
    const bool on = enabled ? xml().boolean(enabled, "value").value_or(true) : true;
    device.params[prefix + "Enabled"] = on ? 1 : 0;
    if (enabled) device.bindings.push_back({enabled, {.param = prefix + "Enabled", .device = device.name, .valueKind = ValueKind::boolean}});
  }
  warnIfGain(node.child("InputGain"), "EQ input gain");
  warnIfGain(node.child("OutputGain"), "EQ output gain");
}

void DeviceReader::readCompressor(pugi::xml_node node, ImportedDevice& device, const std::string& where) {
  device.name = "Compressor";
  if (const auto p = node.child("Threshold")) setStandard(device, p, "threshold", xml().number(p, "value").value_or(-20), ValueKind::plain, where);
  if (const auto p = node.child("Ratio")) {
    const std::string unit = p.attribute("unit").value();
    double ratio = xml().number(p, "value").value_or(4);
    // A ratio given as a percentage of full compression (0..1 or 0..100) is 1 / (1 - x).
    if (unit == "percent" || unit == "normalized") {
      const double amount = std::clamp(unit == "percent" ? ratio / 100 : ratio, 0.0, 0.95);
      ratio = 1 / (1 - amount);
      warn(xml().where(p) + ": ratio in " + unit + " converted to " + numberText(ratio) + ":1 (approximate)");
    }
    setStandard(device, p, "ratio", ratio, ValueKind::plain, where);
  }
  if (const auto p = node.child("Attack")) setStandard(device, p, "attack", milliseconds(p, 0.01), ValueKind::milliseconds, where);
  if (const auto p = node.child("Release")) setStandard(device, p, "release", milliseconds(p, 0.1), ValueKind::milliseconds, where);
  if (const auto p = node.child("OutputGain")) setStandard(device, p, "makeup", xml().number(p, "value").value_or(0), ValueKind::plain, where);
  warnIfGain(node.child("InputGain"), "compressor input gain");
  if (const auto p = node.child("AutoMakeup"); p && xml().boolean(p, "value").value_or(false)) {
    warn(xml().where(p) + ": automatic makeup gain is not imported (set makeup by hand)");
  }
}

void DeviceReader::readLimiter(pugi::xml_node node, ImportedDevice& device, const std::string& where) {
  device.name = "Limiter";
  if (const auto p = node.child("Threshold")) setStandard(device, p, "ceiling", xml().number(p, "value").value_or(-0.3), ValueKind::plain, where);
  if (const auto p = node.child("Release")) setStandard(device, p, "release", milliseconds(p, 0.1), ValueKind::milliseconds, where);
  if (const auto p = node.child("Attack")) {
    warn(xml().where(p) + ": limiter attack imported as Amplitude's look-ahead (approximate)");
    setStandard(device, p, "lookahead", milliseconds(p, 0.0015), ValueKind::milliseconds, where);
  }
  warnIfGain(node.child("InputGain"), "limiter input gain");
  warnIfGain(node.child("OutputGain"), "limiter output gain");
}

/// Plug-ins and built-in devices Amplitude does not have: kept opaquely (format, vendor, id,
/// state, parameter values by id) so an export gives them back.
void DeviceReader::readUnknownDevice(pugi::xml_node node, const std::string& element, ImportedDevice& device, const std::string& where) {
  device.name = "Unknown";
  project::UnknownDevice unknown;
  unknown.format = element == "Vst2Plugin"   ? project::PluginFormat::vst2
                   : element == "Vst3Plugin" ? project::PluginFormat::vst3
                   : element == "ClapPlugin" ? project::PluginFormat::clap
                   : element == "AuPlugin"   ? project::PluginFormat::au
                                             : project::PluginFormat::other;
  unknown.vendor = truncated(node.attribute("deviceVendor").value());
  unknown.name = truncated(node.attribute("deviceName").value());
  unknown.pluginId = truncated(node.attribute("deviceID").value());
  if (unknown.pluginId.empty()) unknown.pluginId = unknown.name.empty() ? element : unknown.name;
  std::set<std::int64_t> seen;
  for (const auto& parameter : readParameters(node)) {
    if (!parameter.parameterId) continue;
    // xs:int in the file; VST3 and CLAP ids are unsigned 32-bit, kept as such.
    const std::int64_t id = *parameter.parameterId < 0 ? *parameter.parameterId + (std::int64_t{1} << 32) : *parameter.parameterId;
    if (id < 0 || id > 4294967295LL || !seen.insert(id).second) {
      warn(xml().where(parameter.node) + ": parameterID " + std::to_string(*parameter.parameterId) + " is repeated or out of range; skipped");
      continue;
    }
    unknown.parameterIds.push_back(id);
    if (parameter.value && std::abs(*parameter.value) <= 1e9) device.params[std::to_string(id)] = *parameter.value;
    device.bindings.push_back({parameter.node,
                               {.param = std::to_string(id), .device = "Unknown", .valueKind = parameter.isBool ? ValueKind::boolean : ValueKind::plain}});
  }
  if (const auto state = node.child("State")) {
    unknown.state = readState(state, where);
  } else if (unknown.format == project::PluginFormat::other) {
    unknown.state = capturedXml(node, where);
  }
  if (unknown.format == project::PluginFormat::other || element == "Device") {
    warn(where + ": '" + unknown.name + "' is a device Amplitude does not have; kept (bypassed) for export");
  } else {
    warn(where + ": plug-in '" + unknown.name + "' is kept (bypassed) for export; Amplitude does not host plug-ins");
  }
  device.unknown = std::move(unknown);
}

std::string DeviceReader::readState(pugi::xml_node state, const std::string& where) {
  const std::string path = state.attribute("path").value();
  if (xml().boolean(state, "external").value_or(false)) {
    warn(xml().where(state) + ": the device state is an external file (" + path + "); imported without it");
    return "";
  }
  const auto bytes = zip_.read(path, maxEntryBytes_);
  if (!bytes) {
    warn(xml().where(state) + ": the device state " + path + " is not in the archive; imported without it (" + where + ")");
    return "";
  }
  std::string encoded = base64Encode(*bytes);
  if (encoded.size() > kMaxStateBase64) {
    warn(xml().where(state) + ": the device state " + path + " is larger than Amplitude keeps (6 MiB); dropped");
    return "";
  }
  return encoded;
}

/// A built-in device of another DAW (a NoiseGate...) keeps its settings as its own XML
/// (without ids, which would collide in a later export), base64 in the state.
std::string DeviceReader::capturedXml(pugi::xml_node node, const std::string& where) {
  pugi::xml_document copy;
  pugi::xml_node root = copy.append_copy(node);
  std::vector<pugi::xml_node> stack{root};
  while (!stack.empty()) {
    pugi::xml_node current = stack.back();
    stack.pop_back();
    current.remove_attribute("id");
    for (pugi::xml_node child : current.children()) {
      if (child.type() == pugi::node_element) stack.push_back(child);
    }
  }
  std::ostringstream text;
  copy.save(text, "", pugi::format_raw | pugi::format_no_declaration);
  const std::string xmlText = text.str();
  std::string encoded = base64Encode(std::as_bytes(std::span(xmlText.data(), xmlText.size())));
  if (encoded.size() > kMaxStateBase64) {
    warn(where + ": the device's settings are larger than Amplitude keeps; dropped");
    return "";
  }
  return encoded;
}

}  // namespace amplitude::io::dawproject::import_detail
