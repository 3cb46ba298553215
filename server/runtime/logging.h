#pragma once
// spdlog set-up for the binary: one logger writing to stderr (STYLE: spdlog only at
// the edges; lower layers return errors and the edges log them).
// Threads: init on the main thread at start-up; set_log_level() from the reload
// thread; the logger itself from any thread.

#include <optional>
#include <string_view>

#include <spdlog/common.h>

namespace sitedns::runtime {

/// The spdlog level for a configuration or --log-level name ("trace", "debug", "info",
/// "warning"/"warn", "error"/"err", "critical", "off"); nullopt when it is none of them.
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name);

/// Makes the default logger a colour-capable stderr logger at `level`.
void init_logging(spdlog::level::level_enum level);

/// Changes the level of the default logger.
void set_log_level(spdlog::level::level_enum level);

}  // namespace sitedns::runtime
