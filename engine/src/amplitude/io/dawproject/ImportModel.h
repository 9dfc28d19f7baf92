// What the DAWproject importer's parts share (internal to io/dawproject): how an XML parameter
// maps to the Amplitude parameter it drives, a device as read before it is placed, and the ids
// of the new document.
#pragma once

#include <amplitude/io/dawproject/Conversions.h>
#include <amplitude/project/Project.generated.h>

#include <pugixml.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace amplitude::io::dawproject::import_detail {

using project::AutomationTargetKind;

/// The schema's UnknownDevice.state maxLength (base64 characters).
inline constexpr std::size_t kMaxStateBase64 = 8388608;

/// How a DAWproject value becomes the Amplitude value of the parameter it drives.
enum class ValueKind { decibels, pan, boolean, milliseconds, plain };

/// What one XML parameter id drives (an automation target resolves through this).
struct ParamBinding {
  std::size_t track = 0;
  AutomationTargetKind kind = AutomationTargetKind::strip;
  std::optional<std::string> insertId;
  std::optional<std::string> sendId;
  std::string param;
  std::string device;  ///< the engine device whose range applies ("ChannelStrip", "Send", "Unknown"...)
  ValueKind valueKind = ValueKind::plain;
  std::string unit;
  std::optional<double> min;
  std::optional<double> max;
  bool tempo = false;
  bool timeSignature = false;
};

/// A device read from <Devices>, before it is known to be an insert or the instrument.
struct ImportedDevice {
  std::string id;
  std::string name;  ///< the engine device, or "Unknown"
  bool instrument = false;
  bool enabled = true;
  project::Params params;
  std::optional<project::UnknownDevice> unknown;
  std::vector<std::pair<pugi::xml_node, ParamBinding>> bindings;  ///< parameter element -> param, device
};

/// Ids for the new document: the DAWproject's own id when it is a valid, unused document id,
/// else a derived one ("clip.3": contains '.', so it never meets a random 12-character id).
class IdMaker {
 public:
  std::string take(std::string_view preferred, std::string_view prefix) {
    if (isDocumentId(preferred) && used_.insert(std::string(preferred)).second) return std::string(preferred);
    while (true) {
      std::string id = std::string(prefix) + "." + std::to_string(++counters_[std::string(prefix)]);
      if (used_.insert(id).second) return id;
    }
  }

 private:
  std::set<std::string> used_;
  std::map<std::string, std::uint64_t> counters_;
};

inline std::string truncated(std::string_view text, std::size_t length = 256) {
  if (text.size() <= length) return std::string(text);
  std::size_t cut = length;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
  return std::string(text.substr(0, cut));
}

}  // namespace amplitude::io::dawproject::import_detail
