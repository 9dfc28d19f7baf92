#include "amplitude/server/store/Database.h"

#include "amplitude/server/store/PostgresDatabase.h"
#include "amplitude/server/store/SqliteDatabase.h"

#include <charconv>

namespace amplitude::server::store {

const std::string& SqlRow::text(std::size_t column) const {
  const auto& cell = cells_.at(column);
  if (!cell) throw std::logic_error("SQL column is NULL where text was expected");
  return *cell;
}

std::int64_t SqlRow::integer(std::size_t column) const {
  const auto& cell = text(column);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (error != std::errc{} || end != cell.data() + cell.size())
    throw std::logic_error("SQL column is not an integer: " + cell.substr(0, 40));
  return value;
}

std::optional<std::int64_t> SqlRow::optionalInteger(std::size_t column) const {
  if (isNull(column)) return std::nullopt;
  return integer(column);
}

std::unique_ptr<Database> openDatabase(const DatabaseOptions& options) {
  if (options.url.starts_with("postgresql://") || options.url.starts_with("postgres://"))
    return openPostgresDatabase(options.url, options.maxConnections);
  if (!options.url.empty())
    throw std::invalid_argument("database URL must start with postgresql:// (or be empty for SQLite)");
  return openSqliteDatabase(options.sqlitePath, options.maxConnections);
}

}  // namespace amplitude::server::store
