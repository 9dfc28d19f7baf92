// Stable ids for the objects of a project document, made as web/src/project/ids.ts makes them:
// 12 characters drawn from the 64 of [A-Za-z0-9_-] (72 bits), so anyone can make ids without
// asking anyone; ids made by migrations are derived from their parent's id and contain '.', which
// a random id never does. Any id matches ^[A-Za-z0-9_.:-]{1,64}$.
//
// Thread rules: makeId uses only the generator it is given.
#pragma once

#include <random>
#include <string>
#include <string_view>

namespace amplitude::project {

inline constexpr std::size_t kNewIdLength = 12;

/// A new random id; give it a well-seeded generator (e.g. std::mt19937_64 seeded from
/// std::random_device), one per thread.
template <std::uniform_random_bit_generator Random>
std::string makeId(Random& random) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  std::uniform_int_distribution<unsigned> pick(0, 63);
  std::string id(kNewIdLength, ' ');
  for (char& c : id) c = kAlphabet[pick(random)];
  return id;
}

/// The id a migration gives to an object it creates under `parentId`, e.g. "trk1.instrument".
inline std::string derivedId(std::string_view parentId, std::string_view role) {
  std::string id(parentId);
  id += '.';
  id += role;
  return id;
}

}  // namespace amplitude::project
