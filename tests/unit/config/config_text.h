#pragma once
// Configurations given as text to the reader tests: read as /etc/sitedns/t.json.

#include <string>

#include "config/config.h"

namespace sitedns::config_test {

/// `text` read as the file t.json in /etc/sitedns (relative paths start there).
inline Config parse_text(const std::string& text) {
    return parse_config(text, "/etc/sitedns", "t.json");
}

/// The ConfigError message of reading `text`, or "no error".
inline std::string config_error_of(const std::string& text) {
    try {
        parse_text(text);
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "no error";
}

}  // namespace sitedns::config_test
