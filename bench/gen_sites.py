#!/usr/bin/env python3
"""Writes a sites configuration of N sites and a dnsperf query file for it.

    gen_sites.py N OUT_DIR [--port P] [--recipients R]

With --recipients, also writes recipients.csv (R users spread over the sites, the
`sites.recipients` file of SPEC §3.3) and names it in the configuration, for
`sitedns check`.

Site 1 holds 127.0.0.1/32, so dnsperf on loopback asks as site 1 and gets the other
sites' MX and mail host addresses. Addresses come from 198.18.0.0/15 (RFC 2544, for
benchmarks); subnets from 10.0.0.0/8.
"""
import json
import os
import random
import sys


def site(i):
    return {
        "name": f"site{i}",
        "subnets": [f"10.{i // 256}.{i % 256}.0/24"] + (["127.0.0.1/32"] if i == 1 else []),
        "address": f"198.{18 + i // 65536}.{(i // 256) % 256}.{i % 256}",
        "primary": i == 1,
    }


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    options = dict(zip(sys.argv[3::2], sys.argv[4::2]))
    port = int(options.get("--port", 5390))
    recipients = int(options.get("--recipients", 0))
    os.makedirs(out, exist_ok=True)
    config = {
        "listen": [f"127.0.0.1:{port}"],
        "threads": 1,
        "upstreams": [],
        "sites": {"domain": "example.com", "internal_suffix": "corp.internal", "ttl": 300,
                  "list": [site(i) for i in range(1, n + 1)]},
    }
    if recipients:
        config["sites"]["recipients"] = "recipients.csv"
        with open(os.path.join(out, "recipients.csv"), "w") as f:
            f.write("address,site\n")
            for r in range(recipients):
                f.write(f"user{r}@example.com,site{r % n + 1}\n")
    with open(os.path.join(out, "sites.json"), "w") as f:
        json.dump(config, f, indent=1)
    rng = random.Random(42)
    with open(os.path.join(out, "queries.txt"), "w") as f:
        for _ in range(100000):
            k = rng.randint(2, n)
            if rng.random() < 0.5:
                f.write(f"site{k}.corp.internal MX\n")
            else:
                f.write(f"mail.site{k}.corp.internal A\n")


if __name__ == "__main__":
    main()
