#pragma once
// `sitedns check`'s warning about who may reach the metrics endpoint (docs/configuration.md
// "metrics"): the endpoint shows view names and upstream addresses.

#include <vector>

#include "config/config.h"
#include "config/topology.h"

namespace sitedns {

/// A warning when `metrics_listen` is not a loopback address and `metrics.access` is not
/// given: only loopback clients may then scrape. None without `metrics_listen`.
std::vector<Problem> check_metrics(const Config& config);

}  // namespace sitedns
