#include "amplitude/server/live/DocumentOps.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

namespace amplitude::server::live {

using nlohmann::json;

namespace {

/// Where an identified object lives: the object, and the array that holds it.
struct Location {
  json* object = nullptr;
  json* holder = nullptr;
  std::size_t index = 0;
};

bool hasId(const json& value, std::string_view id) {
  if (!value.is_object()) return false;
  const auto found = value.find("id");
  return found != value.end() && found->is_string() && found->get_ref<const std::string&>() == id;
}

/// Only objects in arrays are addressed by id (as in web/src/collab/documentOps.ts): a single
/// object such as a track's instrument is reached through its holder's path.
bool find(json& value, std::string_view id, Location& out) {
  if (value.is_object()) {
    for (auto& [key, child] : value.items())
      if ((child.is_object() || child.is_array()) && find(child, id, out)) return true;
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (hasId(value[i], id)) {
        out = {&value[i], &value, i};
        return true;
      }
      if ((value[i].is_object() || value[i].is_array()) && find(value[i], id, out)) return true;
    }
  }
  return false;
}

/// The object an op addresses: the root for null, else the object with that id.
json* resolve(json& document, const json& id, Location* where = nullptr) {
  if (id.is_null()) return &document;
  Location location;
  if (!find(document, id.get_ref<const std::string&>(), location)) return nullptr;
  if (where) *where = location;
  return location.object;
}

bool isIdText(const json& value) {
  if (!value.is_string()) return false;
  const auto& text = value.get_ref<const std::string&>();
  return !text.empty() && text.size() <= 64;
}

bool isKey(const json& value) {
  return value.is_string() && !value.get_ref<const std::string&>().empty() &&
         value.get_ref<const std::string&>().size() <= 64;
}

OpFailure bad(std::size_t index, std::string detail) { return {"bad_op", std::move(detail), {}, index}; }

OpFailure missing(std::size_t index, const std::string& id, std::string_view role) {
  return {"target_missing", fmt::format("{} {} is not in the document", role, id), id, index};
}

std::optional<OpFailure> checkOp(const json& op, std::size_t i) {
  if (!op.is_object()) return bad(i, fmt::format("ops[{}] must be an object", i));
  const auto kind = op.value("op", std::string{});
  if (kind == "set") {
    const auto target = op.find("target");
    if (target == op.end() || !(target->is_null() || isIdText(*target)))
      return bad(i, fmt::format("ops[{}].target must be an object id or null (the document)", i));
    const auto path = op.find("path");
    if (path == op.end() || !path->is_array() || path->empty() || path->size() > kMaxPathDepth)
      return bad(i, fmt::format("ops[{}].path must be an array of 1 to {} property names", i, kMaxPathDepth));
    for (const auto& key : *path)
      if (!isKey(key)) return bad(i, fmt::format("ops[{}].path must hold property names (1 to 64 characters)", i));
    // An id is what everyone addresses the object by: it never changes.
    if (path->back() == "id") return bad(i, fmt::format("ops[{}]: ids cannot be changed", i));
    return std::nullopt;
  }
  if (kind == "insert") {
    const auto parent = op.find("parent");
    if (parent == op.end() || !(parent->is_null() || isIdText(*parent)))
      return bad(i, fmt::format("ops[{}].parent must be an object id or null (the document)", i));
    if (!isKey(op.value("collection", json{})))
      return bad(i, fmt::format("ops[{}].collection must name an array property such as \"clips\"", i));
    const auto value = op.find("value");
    if (value == op.end() || !value->is_object() || !isIdText(value->value("id", json{})))
      return bad(i, fmt::format("ops[{}].value must be an object with a string id", i));
    const auto before = op.find("before");
    if (before != op.end() && !(before->is_null() || isIdText(*before)))
      return bad(i, fmt::format("ops[{}].before must be a sibling's id or null (append)", i));
    return std::nullopt;
  }
  if (kind == "delete") {
    if (!isIdText(op.value("target", json{})))
      return bad(i, fmt::format("ops[{}].target must be the id of the object to delete", i));
    return std::nullopt;
  }
  return bad(i, fmt::format("ops[{}].op must be \"set\", \"insert\" or \"delete\"", i));
}

std::optional<OpFailure> applySet(json& document, const json& op, std::size_t i) {
  json* object = resolve(document, op["target"]);
  if (!object) return missing(i, op["target"].get<std::string>(), "target");
  const auto& path = op["path"];
  for (std::size_t p = 0; p + 1 < path.size(); ++p) {
    const auto& key = path[p].get_ref<const std::string&>();
    // Only the last property may be new: clients apply ops the same way (web/src/collab).
    const auto found = object->find(key);
    if (found == object->end() || !found->is_object())
      return bad(i, fmt::format("ops[{}].path: there is no object at '{}'", i, key));
    object = &*found;
  }
  const auto& last = path.back().get_ref<const std::string&>();
  if (const auto value = op.find("value"); value != op.end())
    (*object)[last] = *value;
  else
    object->erase(last);
  return std::nullopt;
}

std::optional<OpFailure> applyInsert(json& document, const json& op, std::size_t i) {
  json* parent = resolve(document, op["parent"]);
  if (!parent) return missing(i, op["parent"].get<std::string>(), "parent");
  if (!parent->is_object()) return bad(i, fmt::format("ops[{}].parent is not an object", i));
  const auto& name = op["collection"].get_ref<const std::string&>();
  const auto found = parent->find(name);
  if (found == parent->end() || !found->is_array())
    return bad(i, fmt::format("ops[{}].collection '{}' is not an array of the parent", i, name));
  json& collection = *found;
  auto position = collection.end();
  // The sibling must still be there (like a target): placing it elsewhere would not be what the
  // author saw, and clients apply ops the same way.
  if (const auto before = op.find("before"); before != op.end() && before->is_string()) {
    const auto& id = before->get_ref<const std::string&>();
    position = std::find_if(collection.begin(), collection.end(), [&](const json& sibling) { return hasId(sibling, id); });
    if (position == collection.end()) return missing(i, id, "sibling");
  }
  collection.insert(position, op["value"]);
  return std::nullopt;
}

std::optional<OpFailure> applyDelete(json& document, const json& op, std::size_t i) {
  Location location;
  const auto& id = op["target"].get_ref<const std::string&>();
  if (!find(document, id, location)) return missing(i, id, "target");
  location.holder->erase(location.index);
  return std::nullopt;
}

void collectIds(const json& value, std::map<std::string, int>& seen) {
  if (value.is_object()) {
    if (const auto id = value.find("id"); id != value.end() && id->is_string()) ++seen[id->get<std::string>()];
    for (const auto& [key, child] : value.items())
      if (child.is_object() || child.is_array()) collectIds(child, seen);
  } else if (value.is_array()) {
    for (const auto& child : value) collectIds(child, seen);
  }
}

std::string singular(std::string_view collection) {
  static const std::map<std::string_view, std::string_view> kNames = {
      {"tracks", "track"},           {"clips", "clip"},
      {"notes", "note"},             {"inserts", "insert"},
      {"sends", "send"},             {"automation", "automation lane"},
      {"points", "automation point"}, {"markers", "marker"},
      {"assets", "asset"},           {"tempoChanges", "tempo change"},
      {"timeSignatureChanges", "time signature change"}, {"instrument", "instrument"},
      {"project", "project"}};
  const auto found = kNames.find(collection);
  return found == kNames.end() ? "object" : std::string{found->second};
}

/// The name of the property that holds the object with this id ("clips"), or "".
bool holderName(const json& value, std::string_view id, std::string_view name, std::string& out) {
  if (value.is_object()) {
    if (hasId(value, id)) {
      out = name;
      return true;
    }
    for (const auto& [key, child] : value.items())
      if ((child.is_object() || child.is_array()) && holderName(child, id, key, out)) return true;
  } else if (value.is_array()) {
    for (const auto& child : value)
      if (holderName(child, id, name, out)) return true;
  }
  return false;
}

}  // namespace

std::optional<OpFailure> checkOps(const json& ops, std::size_t maxOps) {
  if (!ops.is_array() || ops.empty() || ops.size() > maxOps)
    return bad(0, fmt::format("ops must be an array of 1 to {} operations", maxOps));
  for (std::size_t i = 0; i < ops.size(); ++i)
    if (auto failure = checkOp(ops[i], i)) return failure;
  return std::nullopt;
}

std::optional<OpFailure> applyOps(json& document, const json& ops) {
  if (!document.is_object()) return bad(0, "the document is not a JSON object");
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const auto& op = ops[i];
    const auto kind = op["op"].get<std::string>();
    std::optional<OpFailure> failure;
    if (kind == "set")
      failure = applySet(document, op, i);
    else if (kind == "insert")
      failure = applyInsert(document, op, i);
    else
      failure = applyDelete(document, op, i);
    if (failure) return failure;
  }
  return std::nullopt;
}

bool containsId(const json& document, std::string_view id) {
  std::string ignored;
  return holderName(document, id, "", ignored);
}

std::string kindOfObject(const json& document, std::string_view id) {
  std::string name;
  if (!holderName(document, id, "", name)) return "object";
  return singular(name);
}

std::vector<std::string> duplicateIds(const json& document) {
  std::map<std::string, int> seen;
  collectIds(document, seen);
  std::vector<std::string> duplicates;
  for (const auto& [id, count] : seen)
    if (count > 1) duplicates.push_back(id);
  return duplicates;
}

}  // namespace amplitude::server::live
