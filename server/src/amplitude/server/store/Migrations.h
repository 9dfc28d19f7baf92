#pragma once
// Versioned, numbered schema migrations, applied in order at start-up. Each runs in its own
// transaction and records itself in schema_migrations, so a crash mid-way leaves the schema at a
// known version. Never edit a published migration: add the next number.
#include "amplitude/server/store/Database.h"

#include <string>
#include <vector>

namespace amplitude::server::store {

struct Migration {
  int version;
  std::string name;
  /// Statements in our portable dialect: "{{id}}" stands for an auto-increment primary key.
  std::vector<std::string> statements;
};

const std::vector<Migration>& allMigrations();

/// Applies every migration newer than the database's version; returns how many it applied.
/// Safe with several servers starting at once (PostgreSQL: an advisory lock; SQLite: the write
/// lock). Throws if the database is newer than this build knows (a downgrade).
int applyMigrations(Database& database);

/// The highest applied version (0 for an empty database).
int schemaVersion(Database& database);

}  // namespace amplitude::server::store
