#include <amplitude/io/dawproject/XmlContext.h>

#include <amplitude/io/dawproject/Conversions.h>

#include <algorithm>

namespace amplitude::io::dawproject {

XmlContext::XmlContext(std::string entryName, std::string text) : entryName_(std::move(entryName)), text_(std::move(text)) {
  lineStarts_.push_back(0);
  for (std::size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') lineStarts_.push_back(i + 1);
  }
  // No DOCTYPE handling beyond skipping it: pugixml never expands external entities.
  const auto parsed = document_.load_buffer(text_.data(), text_.size(), pugi::parse_default, pugi::encoding_auto);
  if (!parsed) {
    const auto offset = static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, parsed.offset));
    const auto line = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), offset) - lineStarts_.begin();
    throw DawProjectError(entryName_ + " line " + std::to_string(line) + ": malformed XML (" + parsed.description() + ")");
  }
}

std::string XmlContext::where(pugi::xml_node node) const {
  const std::ptrdiff_t offset = node.offset_debug();
  std::string text = entryName_;
  if (offset >= 0) {
    const auto line = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), static_cast<std::size_t>(offset)) - lineStarts_.begin();
    text += " line " + std::to_string(line);
  }
  return text + " <" + node.name() + ">";
}

void XmlContext::fail(pugi::xml_node node, const std::string& message) const { throw DawProjectError(where(node) + ": " + message); }

void XmlContext::failAttribute(pugi::xml_node node, const char* attribute, const std::string& message) const {
  throw DawProjectError(where(node) + ": attribute " + attribute + ": " + message);
}

namespace {
std::string quoted(std::string_view text) {
  std::string shown(text.substr(0, 80));
  return "'" + shown + (text.size() > 80 ? "...'" : "'");
}
}  // namespace

std::optional<double> XmlContext::number(pugi::xml_node node, const char* attribute) const {
  const auto value = node.attribute(attribute);
  if (!value) return std::nullopt;
  const auto parsed = parseNumber(value.value());
  if (!parsed) failAttribute(node, attribute, quoted(value.value()) + " is not a finite number");
  return parsed;
}

double XmlContext::requiredNumber(pugi::xml_node node, const char* attribute) const {
  const auto value = number(node, attribute);
  if (!value) failAttribute(node, attribute, "is required");
  return *value;
}

std::optional<std::int64_t> XmlContext::integer(pugi::xml_node node, const char* attribute) const {
  const auto value = node.attribute(attribute);
  if (!value) return std::nullopt;
  const auto parsed = parseNumber(value.value());
  if (!parsed || *parsed != static_cast<double>(static_cast<std::int64_t>(*parsed)) || std::abs(*parsed) > 9.0e15) {
    failAttribute(node, attribute, quoted(value.value()) + " is not an integer");
  }
  return static_cast<std::int64_t>(*parsed);
}

std::int64_t XmlContext::requiredInteger(pugi::xml_node node, const char* attribute) const {
  const auto value = integer(node, attribute);
  if (!value) failAttribute(node, attribute, "is required");
  return *value;
}

std::optional<bool> XmlContext::boolean(pugi::xml_node node, const char* attribute) const {
  const auto value = node.attribute(attribute);
  if (!value) return std::nullopt;
  const std::string_view text = value.value();
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  failAttribute(node, attribute, quoted(text) + " is not a boolean (true or false)");
}

TimeUnit XmlContext::timeUnit(pugi::xml_node node, TimeUnit inherited, const char* attribute) const {
  const auto value = node.attribute(attribute);
  if (!value) return inherited;
  const std::string_view text = value.value();
  if (text == "beats") return TimeUnit::beats;
  if (text == "seconds") return TimeUnit::seconds;
  failAttribute(node, attribute, quoted(text) + " is not a time unit (beats or seconds)");
}

}  // namespace amplitude::io::dawproject
