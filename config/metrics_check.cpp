#include "config/metrics_check.h"

#include <string>

namespace sitedns {

std::vector<Problem> check_metrics(const Config& config) {
    const auto& listen = config.metrics_listen;
    if (!listen || listen->address.is_loopback() || config.metrics.access) return {};
    return {{Problem::Severity::Warning,
             "metrics_listen " + listen->to_string() +
                 " is not a loopback address but metrics.access is not set: only loopback "
                 "clients (127.0.0.0/8, ::1/128) may scrape, others are closed unanswered; "
                 "list the Prometheus servers' prefixes in metrics.access (the endpoint shows "
                 "view names and upstream addresses)"}};
}

}  // namespace sitedns
