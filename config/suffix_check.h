#pragma once
// `sitedns check`'s warning about the internal suffix's names (SPEC §3.3, §5): a site
// view answers them itself unless a forward zone covers the suffix, which its domain
// controllers then answer.

#include <vector>

#include "config/config.h"
#include "config/topology.h"

namespace sitedns {

/// One warning per group of site views that share their default upstreams (the site's
/// `upstreams`, else the top-level ones) when those include private (RFC 1918, RFC 4193)
/// or loopback addresses, as domain controllers' are, while no forward zone of the view
/// covers the internal suffix: such a site followed the procedure with its domain
/// controllers as upstreams, and names under the suffix that no generated zone holds
/// (the Active Directory's, when the AD domain is the suffix) would get NXDOMAIN. The
/// warning names the forward zone to add. None for a configuration without sites.
std::vector<Problem> check_suffix_upstreams(const Config& config);

}  // namespace sitedns
