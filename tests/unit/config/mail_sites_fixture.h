#pragma once
// The sites the mail export tests (Postfix and Exchange) share.

#include "config/config.h"

namespace sitedns::mail_fixture {

/// The three sites of SPEC §3.3; paris has TLS with a public mail host.
inline Sites example_sites() {
    const Config config = parse_config(R"({ "sites": {
      "domain": "example.com", "internal_suffix": "example.local", "ttl": 300,
      "list": [
        { "name": "london", "subnets": ["10.1.0.0/16"], "address": "203.0.113.10", "primary": true },
        { "name": "paris",  "subnets": ["10.2.0.0/16"], "address": "203.0.113.20",
          "mail_host": "mail-paris.example.com.", "tls": true },
        { "name": "madrid", "subnets": ["10.3.0.0/16"], "address": "203.0.113.30" } ] } })",
                                       "/tmp", "test");
    Sites sites = *config.sites;
    sites.serial = 2026120501;  // the golden texts do not follow the hash function
    return sites;
}

}  // namespace sitedns::mail_fixture
