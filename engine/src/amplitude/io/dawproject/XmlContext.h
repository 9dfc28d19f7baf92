// XmlContext: reading project.xml with errors that say where. Every failure names the entry
// (project.xml), the line, the element and the attribute, e.g.
//   project.xml line 12 <Clip>: attribute time: 'soon' is not a number
#pragma once

#include <amplitude/io/dawproject/DawProject.h>

#include <pugixml.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace amplitude::io::dawproject {

enum class TimeUnit { beats, seconds };

class XmlContext {
 public:
  /// Parses `text` as the entry `entryName`; throws DawProjectError on malformed XML.
  XmlContext(std::string entryName, std::string text);

  const pugi::xml_document& document() const { return document_; }

  /// "project.xml line 12 <Clip>"
  std::string where(pugi::xml_node node) const;
  [[noreturn]] void fail(pugi::xml_node node, const std::string& message) const;
  [[noreturn]] void failAttribute(pugi::xml_node node, const char* attribute, const std::string& message) const;

  std::optional<double> number(pugi::xml_node node, const char* attribute) const;
  double requiredNumber(pugi::xml_node node, const char* attribute) const;
  std::optional<std::int64_t> integer(pugi::xml_node node, const char* attribute) const;
  std::int64_t requiredInteger(pugi::xml_node node, const char* attribute) const;
  std::optional<bool> boolean(pugi::xml_node node, const char* attribute) const;
  /// The element's timeUnit, or `inherited` when it has none.
  TimeUnit timeUnit(pugi::xml_node node, TimeUnit inherited, const char* attribute = "timeUnit") const;

 private:
  std::string entryName_;
  std::string text_;
  std::vector<std::size_t> lineStarts_;
  pugi::xml_document document_;
};

}  // namespace amplitude::io::dawproject
