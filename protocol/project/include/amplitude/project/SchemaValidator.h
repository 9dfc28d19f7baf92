// SchemaValidator: checks a JSON value against the project schema (the subset of JSON Schema
// 2020-12 that protocol/generator/project-schema.mjs allows), without std::regex and without
// recursing deeper than the schema does. Its TypeScript twin is web/src/project/schemaValidator.ts:
// both walk the schema in the same order and word their errors the same way ("tracks[3].clips[0]
// .startBeat: must be >= 0"), so a document gets the same errors on both sides.
//
// Thread rules: a SchemaValidator is immutable after construction; validate() may run on any
// number of threads at once. Nothing here throws on any input value.
#pragma once

#include <amplitude/project/Project.generated.h>

#include <nlohmann/json.hpp>

#include <bitset>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace amplitude::project {

inline constexpr std::size_t kMaxErrors = 100;

/// Errors as "path: message", in the order found, at most kMaxErrors of them.
struct ErrorList {
  std::vector<std::string> messages;

  bool full() const { return messages.size() >= kMaxErrors; }
  void add(std::string_view path, std::string_view message) {
    if (full()) return;
    std::string line(path.empty() ? std::string_view("document") : path);
    line += ": ";
    line += message;
    messages.push_back(std::move(line));
  }
};

/// A number as JavaScript's String(number) prints it (for the values our messages show).
inline std::string formatNumber(double value) {
  if (value == 0) return "0";
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[64];
  const double magnitude = std::fabs(value);
  const bool fixed = magnitude >= 1e-6 && magnitude < 1e21;  // JavaScript's rule
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value,
                              fixed ? std::chars_format::fixed : std::chars_format::scientific);
  std::string text(buffer, result.ptr);
  if (!fixed) {  // JavaScript writes 1e+21 and 1e-7, C++ 1e+21 and 1e-07
    auto e = text.find('e');
    std::size_t digits = e + 2;
    while (digits + 1 < text.size() && text[digits] == '0') text.erase(digits, 1);
  }
  return text;
}

/// A string as JSON.stringify writes it.
inline std::string quote(std::string_view text) {
  return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

inline bool isIdentifierKey(std::string_view key) {
  if (key.empty() || key.size() > 64) return false;
  for (char c : key) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

inline std::string joinPath(std::string_view path, std::string_view key) {
  std::string out(path);
  if (isIdentifierKey(key)) {
    if (!out.empty()) out += '.';
    out += key;
    return out;
  }
  // Hostile names are not echoed: a megabyte of key would make a megabyte of message.
  bool printable = key.size() <= 64;
  for (char c : key) printable = printable && c >= 0x20 && c <= 0x7e;
  out += '[';
  out += printable ? quote(key) : std::string("(a long or non-ASCII name)");
  out += ']';
  return out;
}

inline std::string indexPath(std::string_view path, std::size_t index) {
  std::string out(path);
  out += '[';
  out += std::to_string(index);
  out += ']';
  return out;
}

/// Length in code points (UTF-8 lead bytes), as JSON Schema counts.
inline std::size_t codePoints(std::string_view text) {
  std::size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

/// The pattern subset: ^, atoms (a literal or a [class] of ASCII) with {n} {m,n} * + ?, $. The
/// generator checks that a variable-length atom never shares a character with the next one, so
/// greedy matching is exact and linear.
class Pattern {
 public:
  explicit Pattern(std::string_view pattern) {
    const std::string_view body = pattern.substr(1, pattern.size() - 2);
    std::size_t i = 0;
    while (i < body.size()) {
      Atom atom;
      if (body[i] == '[') {
        const std::size_t end = body.find(']', i + 1);
        const std::string_view inner = body.substr(i + 1, end - i - 1);
        for (std::size_t k = 0; k < inner.size(); ++k) {
          if (k + 2 < inner.size() && inner[k + 1] == '-') {
            for (int n = inner[k]; n <= inner[k + 2]; ++n) atom.set.set(static_cast<std::size_t>(n));
            k += 2;
          } else {
            atom.set.set(static_cast<std::size_t>(inner[k]));
          }
        }
        i = end + 1;
      } else {
        atom.set.set(static_cast<std::size_t>(body[i]));
        i += 1;
      }
      if (i < body.size() && body[i] == '*') {
        atom.min = 0, atom.max = kUnbounded, i += 1;
      } else if (i < body.size() && body[i] == '+') {
        atom.min = 1, atom.max = kUnbounded, i += 1;
      } else if (i < body.size() && body[i] == '?') {
        atom.min = 0, atom.max = 1, i += 1;
      } else if (i < body.size() && body[i] == '{') {
        const std::size_t end = body.find('}', i);
        const std::string_view counts = body.substr(i + 1, end - i - 1);
        const std::size_t comma = counts.find(',');
        atom.min = std::stoul(std::string(counts.substr(0, comma)));
        atom.max = comma == std::string_view::npos ? atom.min : std::stoul(std::string(counts.substr(comma + 1)));
        i = end + 1;
      }
      atoms_.push_back(atom);
    }
  }

  bool matches(std::string_view text) const {
    std::size_t at = 0;
    for (const Atom& atom : atoms_) {
      std::size_t count = 0;
      while (count < atom.max && at < text.size() && static_cast<unsigned char>(text[at]) < 128 &&
             atom.set.test(static_cast<unsigned char>(text[at]))) {
        ++at;
        ++count;
      }
      if (count < atom.min) return false;
    }
    return at == text.size();
  }

 private:
  static constexpr std::size_t kUnbounded = std::numeric_limits<std::size_t>::max();
  struct Atom {
    std::bitset<128> set;
    std::size_t min = 1;
    std::size_t max = 1;
  };
  std::vector<Atom> atoms_;
};

class SchemaValidator {
 public:
  using json = nlohmann::json;
  /// The schema keeps its key order: properties are checked in schema order, as in TypeScript.
  using SchemaJson = nlohmann::ordered_json;

  /// `root` must outlive the validator and be a schema the generator accepted.
  explicit SchemaValidator(const SchemaJson& root) : root_(root) { compilePatterns(root_); }

  void validate(const json& value, ErrorList& errors) const { check(value, root_, "", errors); }

  bool matchesPattern(std::string_view text, const std::string& pattern) const {
    auto it = patterns_.find(pattern);
    return it != patterns_.end() && it->second.matches(text);
  }

 private:
  const SchemaJson& resolve(const SchemaJson& node) const {
    auto ref = node.find("$ref");
    if (ref == node.end()) return node;
    const std::string& name = ref->get_ref<const std::string&>();
    return root_.at("$defs").at(name.substr(std::string_view("#/$defs/").size()));
  }

  void compilePatterns(const SchemaJson& node) {
    if (node.is_object()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (it.key() == "pattern" && it->is_string()) patterns_.try_emplace(it->get<std::string>(), it->get<std::string>());
        else compilePatterns(*it);
      }
    } else if (node.is_array()) {
      for (const SchemaJson& child : node) compilePatterns(child);
    }
  }

  static const SchemaJson* member(const SchemaJson& node, const char* key) {
    auto it = node.find(key);
    return it == node.end() ? nullptr : &*it;
  }

  /// A value equals a const (a string or a number) of the schema.
  static bool sameScalar(const json& value, const SchemaJson& constant) {
    if (constant.is_string()) return value.is_string() && value.get_ref<const std::string&>() == constant.get_ref<const std::string&>();
    return value.is_number() && value.get<double>() == constant.get<double>();
  }

  void check(const json& value, const SchemaJson& schemaNode, const std::string& path, ErrorList& errors) const {
    if (errors.full()) return;
    const SchemaJson& node = resolve(schemaNode);
    if (const SchemaJson* oneOf = member(node, "oneOf")) return checkOneOf(value, *oneOf, path, errors);
    if (const SchemaJson* constant = member(node, "const")) {
      if (!sameScalar(value, *constant)) errors.add(path, "must be " + constant->dump());
      return;
    }
    const std::string& type = node.at("type").get_ref<const std::string&>();
    if (type == "object") {
      if (!value.is_object()) return errors.add(path, "must be an object");
      return member(node, "properties") ? checkRecord(value, node, path, errors) : checkMap(value, node, path, errors);
    }
    if (type == "array") {
      if (!value.is_array()) return errors.add(path, "must be an array");
      return checkArray(value, node, path, errors);
    }
    if (type == "string") {
      if (!value.is_string()) return errors.add(path, "must be a string");
      return checkString(value.get_ref<const std::string&>(), node, path, errors);
    }
    if (type == "number" || type == "integer") {
      const bool integer = type == "integer";
      if (!value.is_number() || (value.is_number_float() && !std::isfinite(value.get<double>()))) {
        return errors.add(path, integer ? "must be an integer" : "must be a finite number");
      }
      const double number = value.get<double>();
      if (integer && value.is_number_float() && std::floor(number) != number) return errors.add(path, "must be an integer");
      return checkNumber(number, node, path, errors);
    }
    if (type == "boolean") {
      if (!value.is_boolean()) errors.add(path, "must be a boolean");
      return;
    }
  }

  /// oneOf in this schema is always told apart by a const 'kind'.
  void checkOneOf(const json& value, const SchemaJson& alternatives, const std::string& path, ErrorList& errors) const {
    if (!value.is_object()) return errors.add(path, "must be an object");
    auto kind = value.find("kind");
    std::string expected;
    for (const SchemaJson& alternative : alternatives) {
      const SchemaJson& resolved = resolve(alternative);
      const SchemaJson& constant = resolved.at("properties").at("kind").at("const");
      if (kind != value.end() && sameScalar(*kind, constant)) return check(value, resolved, path, errors);
      expected += expected.empty() ? "" : ", ";
      expected += constant.dump();
    }
    errors.add(joinPath(path, "kind"), "must be one of " + expected);
  }

  void checkRecord(const json& value, const SchemaJson& node, const std::string& path, ErrorList& errors) const {
    const SchemaJson& properties = node.at("properties");
    if (const SchemaJson* required = member(node, "required")) {
      for (const SchemaJson& key : *required) {
        if (!value.contains(key.get_ref<const std::string&>())) errors.add(joinPath(path, key.get_ref<const std::string&>()), "is required");
      }
    }
    const SchemaJson* additional = member(node, "additionalProperties");
    if (additional && additional->is_boolean() && !additional->get<bool>()) {
      for (auto it = value.begin(); it != value.end(); ++it) {  // std::map order: sorted, as in TypeScript
        if (!properties.contains(it.key())) errors.add(joinPath(path, it.key()), "is not allowed");
      }
    }
    for (auto property = properties.begin(); property != properties.end(); ++property) {  // schema order
      auto it = value.find(property.key());
      if (it != value.end()) check(*it, property.value(), joinPath(path, property.key()), errors);
    }
  }

  void checkMap(const json& value, const SchemaJson& node, const std::string& path, ErrorList& errors) const {
    if (const SchemaJson* maxProperties = member(node, "maxProperties"); maxProperties && value.size() > maxProperties->get<std::size_t>()) {
      return errors.add(path, "must have at most " + maxProperties->dump() + " properties");
    }
    const SchemaJson* names = member(node, "propertyNames");
    const SchemaJson* values = member(node, "additionalProperties");
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (errors.full()) return;
      if (names && !validName(it.key(), *names)) {
        errors.add(joinPath(path, it.key()), "is not a valid name");
        continue;
      }
      if (values && values->is_object()) check(*it, *values, joinPath(path, it.key()), errors);
    }
  }

  bool validName(const std::string& key, const SchemaJson& names) const {
    const std::size_t length = codePoints(key);
    if (const SchemaJson* min = member(names, "minLength"); min && length < min->get<std::size_t>()) return false;
    if (const SchemaJson* max = member(names, "maxLength"); max && length > max->get<std::size_t>()) return false;
    const SchemaJson* pattern = member(names, "pattern");
    return !pattern || matchesPattern(key, pattern->get_ref<const std::string&>());
  }

  void checkArray(const json& value, const SchemaJson& node, const std::string& path, ErrorList& errors) const {
    if (const SchemaJson* min = member(node, "minItems"); min && value.size() < min->get<std::size_t>()) {
      return errors.add(path, "must have at least " + min->dump() + " items");
    }
    if (const SchemaJson* max = member(node, "maxItems"); max && value.size() > max->get<std::size_t>()) {
      return errors.add(path, "must have at most " + max->dump() + " items");
    }
    const SchemaJson* items = member(node, "items");
    if (!items) return;
    for (std::size_t i = 0; i < value.size() && !errors.full(); ++i) check(value[i], *items, indexPath(path, i), errors);
  }

  static std::string listOf(const SchemaJson& values) {
    std::string out;
    for (const SchemaJson& v : values) {
      if (!out.empty()) out += ", ";
      out += v.is_string() ? v.dump() : formatNumber(v.get<double>());
    }
    return out;
  }

  void checkString(const std::string& value, const SchemaJson& node, const std::string& path, ErrorList& errors) const {
    if (const SchemaJson* values = member(node, "enum")) {
      for (const SchemaJson& v : *values) {
        if (v.is_string() && v.get_ref<const std::string&>() == value) return;
      }
      return errors.add(path, "must be one of " + listOf(*values));
    }
    const std::size_t length = codePoints(value);
    if (const SchemaJson* min = member(node, "minLength"); min && length < min->get<std::size_t>()) {
      return errors.add(path, "must be at least " + min->dump() + " characters");
    }
    if (const SchemaJson* max = member(node, "maxLength"); max && length > max->get<std::size_t>()) {
      return errors.add(path, "must be at most " + max->dump() + " characters");
    }
    if (const SchemaJson* pattern = member(node, "pattern"); pattern && !matchesPattern(value, pattern->get_ref<const std::string&>())) {
      errors.add(path, "must match " + pattern->get<std::string>());
    }
  }

  void checkNumber(double value, const SchemaJson& node, const std::string& path, ErrorList& errors) const {
    if (const SchemaJson* values = member(node, "enum")) {
      for (const SchemaJson& v : *values) {
        if (v.get<double>() == value) return;
      }
      return errors.add(path, "must be one of " + listOf(*values));
    }
    auto bound = [&](const char* key) -> const SchemaJson* { return member(node, key); };
    if (const SchemaJson* b = bound("minimum"); b && value < b->get<double>()) return errors.add(path, "must be >= " + formatNumber(b->get<double>()));
    if (const SchemaJson* b = bound("exclusiveMinimum"); b && value <= b->get<double>()) return errors.add(path, "must be > " + formatNumber(b->get<double>()));
    if (const SchemaJson* b = bound("maximum"); b && value > b->get<double>()) return errors.add(path, "must be <= " + formatNumber(b->get<double>()));
    if (const SchemaJson* b = bound("exclusiveMaximum"); b && value >= b->get<double>()) errors.add(path, "must be < " + formatNumber(b->get<double>()));
  }

  const SchemaJson& root_;
  std::map<std::string, Pattern, std::less<>> patterns_;
};

}  // namespace amplitude::project
