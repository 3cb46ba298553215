// Threads: see server/runtime/logging.h.
#include "server/runtime/logging.h"

#include <array>
#include <memory>
#include <utility>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace sitedns::runtime {

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) {
    using spdlog::level::level_enum;
    static constexpr std::array<std::pair<std::string_view, level_enum>, 9> kLevels{{
        {"trace", level_enum::trace},
        {"debug", level_enum::debug},
        {"info", level_enum::info},
        {"warning", level_enum::warn},
        {"warn", level_enum::warn},
        {"error", level_enum::err},
        {"err", level_enum::err},
        {"critical", level_enum::critical},
        {"off", level_enum::off},
    }};
    for (const auto& [text, level] : kLevels) {
        if (text == name) {
            return level;
        }
    }
    return std::nullopt;
}

void init_logging(spdlog::level::level_enum level) {
    auto logger = spdlog::stderr_color_mt("sitedns");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    logger->set_level(level);
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(std::move(logger));
}

void set_log_level(spdlog::level::level_enum level) {
    spdlog::set_level(level);
}

}  // namespace sitedns::runtime
