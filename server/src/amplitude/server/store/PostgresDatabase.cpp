// PostgreSQL through libpqxx 6.4 (the old API: exec_params with dynamic parameters).
#include "amplitude/server/store/ConnectionPool.h"
#include "amplitude/server/store/PostgresDatabase.h"

#include <fmt/format.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

namespace amplitude::server::store {

namespace {

/// SQLSTATE classes that mean "the server went away", not "your SQL is wrong": 08 connection
/// exceptions, 57P01-57P03 shutdown and start-up.
bool isConnectionLoss(const pqxx::sql_error& error) {
  const std::string state = error.sqlstate();
  return state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03";
}

class PostgresTransaction final : public SqlTransaction {
public:
  explicit PostgresTransaction(pqxx::work& work) : work_(work) {}

  SqlRows query(std::string_view sql, const SqlParams& params) override {
    std::vector<std::string> texts;
    texts.reserve(params.size());
    std::vector<const char*> pointers;  // nullptr is SQL NULL to libpqxx
    for (const auto& param : params) {
      if (std::holds_alternative<std::nullptr_t>(param)) {
        texts.emplace_back();
      } else if (const auto* number = std::get_if<std::int64_t>(&param)) {
        texts.push_back(std::to_string(*number));
      } else {
        texts.push_back(std::get<std::string>(param));
      }
    }
    for (std::size_t i = 0; i < params.size(); ++i)
      pointers.push_back(std::holds_alternative<std::nullptr_t>(params[i]) ? nullptr : texts[i].c_str());
    const auto result = work_.exec_params(std::string{sql}, pqxx::prepare::make_dynamic_params(pointers));
    SqlRows rows;
    rows.reserve(result.size());
    for (const auto& row : result) {
      std::vector<std::optional<std::string>> cells;
      cells.reserve(row.size());
      for (const auto& field : row) {
        if (field.is_null())
          cells.emplace_back();
        else
          cells.emplace_back(std::string(field.c_str(), field.size()));
      }
      rows.emplace_back(std::move(cells));
    }
    return rows;
  }

private:
  pqxx::work& work_;
};

std::string withoutPassword(const std::string& url) {
  // postgresql://user:secret@host/db -> postgresql://user@host/db
  const auto scheme = url.find("://");
  const auto at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return url;
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + url.substr(at);
}

class PostgresDatabase final : public Database {
public:
  PostgresDatabase(std::string url, unsigned maxConnections)
      : url_(std::move(url)), pool_(maxConnections, [this] { return connect(); }) {}

  SqlDialect dialect() const override { return SqlDialect::postgres; }

  void transact(TransactionKind, const std::function<void(SqlTransaction&)>& work) override {
    // A pooled connection may have died since its last use (a server restart): that is found
    // out only when we use it. If it breaks before COMMIT nothing was written, so one more try
    // on a fresh connection is safe; a break during COMMIT is "in doubt" and never retried.
    for (int attempt = 1;; ++attempt) {
      auto connection = pool_.acquire();
      bool committing = false;
      try {
        pqxx::work transaction{*connection};
        PostgresTransaction adapter{transaction};
        work(adapter);
        committing = true;
        transaction.commit();
        return;
      } catch (const pqxx::in_doubt_error& e) {
        connection.discard();
        throw DatabaseUnavailable(fmt::format("PostgreSQL commit outcome unknown: {}", e.what()));
      } catch (const pqxx::broken_connection& e) {
        connection.discard();
        if (committing || attempt >= 2)
          throw DatabaseUnavailable(fmt::format("PostgreSQL connection lost: {}", e.what()));
        spdlog::warn("PostgreSQL connection lost, reconnecting: {}", firstLine(e.what()));
      } catch (const pqxx::unique_violation& e) {
        throw UniqueViolation(e.what());
      } catch (const pqxx::sql_error& e) {
        if (!isConnectionLoss(e)) throw std::runtime_error(fmt::format("PostgreSQL: {}", e.what()));
        connection.discard();
        if (committing || attempt >= 2)
          throw DatabaseUnavailable(fmt::format("PostgreSQL unavailable: {}", e.what()));
      }
    }
  }

  void ping() override {
    transact(TransactionKind::read, [](SqlTransaction& tx) { tx.query("SELECT 1"); });
  }

  std::string describe() const override { return withoutPassword(url_); }

private:
  static std::string firstLine(std::string_view text) {
    return std::string{text.substr(0, text.find('\n'))};
  }

  std::unique_ptr<pqxx::connection> connect() {
    try {
      return std::make_unique<pqxx::connection>(url_);
    } catch (const pqxx::broken_connection& e) {
      throw DatabaseUnavailable(fmt::format("cannot connect to PostgreSQL: {}", firstLine(e.what())));
    } catch (const pqxx::sql_error& e) {
      throw DatabaseUnavailable(fmt::format("cannot connect to PostgreSQL: {}", firstLine(e.what())));
    }
  }

  std::string url_;
  ConnectionPool<pqxx::connection> pool_;
};

}  // namespace

std::unique_ptr<Database> openPostgresDatabase(const std::string& url, unsigned maxConnections) {
  return std::make_unique<PostgresDatabase>(url, maxConnections);
}

}  // namespace amplitude::server::store
