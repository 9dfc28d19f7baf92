// Emits the C++ header of the project document: one struct (or enum, alias, variant) per $defs
// entry with nlohmann::json to_json/from_json, the document struct, the schema text (what
// SchemaValidator.h walks) and the engine's parameter ranges (what ProjectRules.h checks).
// from_json trusts its input's shape: ProjectDocument.h validates before it converts.

import { runtimeSchema } from './emit-project-ts.mjs';

const refName = (ref) => ref.slice('#/$defs/'.length);

function cppType(node) {
  if (node.$ref) return refName(node.$ref);
  if (node.enum && node.type === 'integer') return 'std::int64_t';
  switch (node.type) {
    case 'array': return `std::vector<${cppType(node.items)}>`;
    case 'object': return `std::map<std::string, ${cppType(node.additionalProperties)}>`;
    case 'number': return 'double';
    case 'integer': return 'std::int64_t';
    case 'boolean': return 'bool';
    case 'string': return 'std::string';
    default: throw new Error(`no C++ type for ${JSON.stringify(node)}`);
  }
}

function dependencies(node, out = new Set()) {
  if (node.$ref) out.add(refName(node.$ref));
  for (const alt of node.oneOf ?? []) dependencies(alt, out);
  if (node.items) dependencies(node.items, out);
  if (node.properties) for (const child of Object.values(node.properties)) dependencies(child, out);
  if (typeof node.additionalProperties === 'object') dependencies(node.additionalProperties, out);
  return out;
}

function comment(text, indent = '') {
  return text ? `${indent}/// ${text}\n` : '';
}

function emitEnum(name, node) {
  const values = node.enum;
  const cases = values.map((v) => `    case ${name}::${v}: return "${v}";`).join('\n');
  const parses = values.map((v) => `  if (text == "${v}") { value = ${name}::${v}; return; }`).join('\n');
  return `${comment(node.description)}enum class ${name} { ${values.join(', ')} };
inline constexpr std::string_view toString(${name} value) {
  switch (value) {
${cases}
  }
  return {};
}
inline void to_json(nlohmann::json& j, ${name} value) { j = std::string(toString(value)); }
inline void from_json(const nlohmann::json& j, ${name}& value) {
  const auto& text = j.get_ref<const std::string&>();
${parses}
  throw std::invalid_argument("${name}: unknown value " + text);
}
`;
}

function emitStruct(name, node) {
  const required = new Set(node.required ?? []);
  const entries = Object.entries(node.properties);
  const members = entries
    .filter(([, child]) => child.const === undefined)
    .map(([key, child]) => {
      const type = required.has(key) ? cppType(child) : `std::optional<${cppType(child)}>`;
      return `${comment(child.description, '  ')}  ${type} ${key}{};`;
    });
  const writes = entries.map(([key, child]) => {
    if (child.const !== undefined) return `  j["${key}"] = ${JSON.stringify(child.const)};`;
    return required.has(key) ? `  j["${key}"] = value.${key};` : `  if (value.${key}) j["${key}"] = *value.${key};`;
  });
  const reads = entries.map(([key, child]) => {
    if (child.const !== undefined) {
      return `  if (j.at("${key}") != ${JSON.stringify(child.const)}) throw std::invalid_argument("${name}.${key} must be ${JSON.stringify(child.const).replace(/"/g, '\\"')}");`;
    }
    if (required.has(key)) return `  j.at("${key}").get_to(value.${key});`;
    return `  if (auto it = j.find("${key}"); it != j.end()) value.${key} = it->get<${cppType(child)}>(); else value.${key}.reset();`;
  });
  return `${comment(node.description)}struct ${name} {
${members.join('\n')}
  bool operator==(const ${name}&) const = default;
};
inline void to_json(nlohmann::json& j, const ${name}& value) {
  j = nlohmann::json::object();
${writes.join('\n')}
}
inline void from_json(const nlohmann::json& j, ${name}& value) {
${reads.join('\n')}
}
`;
}

function emitVariant(name, node, defs) {
  const alternatives = node.oneOf.map((alt) => refName(alt.$ref));
  const parses = alternatives
    .map((alt) => `  if (kind == ${JSON.stringify(defs[alt].properties.kind.const)}) { value = j.get<${alt}>(); return; }`)
    .join('\n');
  return `${comment(node.description)}using ${name} = std::variant<${alternatives.join(', ')}>;
inline void to_json(nlohmann::json& j, const ${name}& value) {
  std::visit([&j](const auto& alternative) { to_json(j, alternative); }, value);
}
inline void from_json(const nlohmann::json& j, ${name}& value) {
  const auto& kind = j.at("kind").get_ref<const std::string&>();
${parses}
  throw std::invalid_argument("${name}: unknown kind " + kind);
}
`;
}

function emitDef(name, node, defs) {
  if (node.oneOf) return emitVariant(name, node, defs);
  if (node.type === 'string' && node.enum) return emitEnum(name, node);
  if (node.type === 'object' && node.properties) return emitStruct(name, node);
  return `${comment(node.description)}using ${name} = ${cppType(node)};\n`;
}

/** $defs in an order where every entry comes after what it uses. */
function dependencyOrder(defs) {
  const order = [];
  const state = new Map();
  const visit = (name) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`project schema: $defs.${name} refers to itself`);
    state.set(name, 'visiting');
    for (const dep of dependencies(defs[name])) visit(dep);
    state.set(name, 'done');
    order.push(name);
  };
  Object.keys(defs).forEach(visit);
  return order;
}

export function emitProjectCpp(project) {
  const { schema, defs, version, parameterRanges } = project;
  const body = dependencyOrder(defs).map((name) => emitDef(name, defs[name], defs)).join('\n');
  const root = emitStruct('ProjectDocument', { ...schema, description: 'The whole project document (schema root).' });
  const ranges = Object.entries(parameterRanges).flatMap(([device, params]) =>
    Object.entries(params).map(([param, r]) => `    {"${device}", "${param}", ${r.min}, ${r.max}, ${r.integer}},`),
  );
  const schemaText = JSON.stringify(runtimeSchema(schema));
  if (schemaText.includes(')json"')) throw new Error('project schema: text would end the raw string literal');
  return `// GENERATED by protocol/generator/generate.mjs from protocol/project/amplitude.project.schema.json
// (project schema version ${version}). Do not edit: change the schema and rebuild.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace amplitude::project {

inline constexpr std::string_view kProjectFormat = "amplitude-project";
inline constexpr std::int64_t kProjectSchemaVersion = ${version};

${body}
${root}
/// The schema without its prose: what SchemaValidator walks.
inline constexpr std::string_view kProjectSchemaJson = R"json(${schemaText})json";

/// One automatable parameter: the engine's declarations (protocol/schema devices[]) plus the
/// pseudo-device Send { level }. Enumerated parameters take whole numbers only.
struct ParameterRange {
  std::string_view device;
  std::string_view param;
  double min;
  double max;
  bool integer;
};

inline constexpr std::array<ParameterRange, ${ranges.length}> kParameterRanges{{
${ranges.join('\n')}
}};

/// True when the engine has a device of this name (or it is the pseudo-device Send).
inline bool isKnownDevice(std::string_view device) {
  for (const auto& range : kParameterRanges) {
    if (range.device == device) return true;
  }
  return false;
}

/// nullptr when the device has no such parameter.
inline const ParameterRange* findParameter(std::string_view device, std::string_view param) {
  for (const auto& range : kParameterRanges) {
    if (range.device == device && range.param == param) return &range;
  }
  return nullptr;
}

}  // namespace amplitude::project
`;
}
