#!/usr/bin/env python3
"""The layering check's own test: each rule of layers_test.py fails on a planted bad
include, naming its file and line, and the check passes on a clean tree and on the real
one.

Each case builds a small tree in a temporary folder, one header per layer, plants its
files, and runs layers_test.py on it as ctest does.

Usage: layers_test_test.py [source root] [unittest options]
(default root: two folders above this script)
"""
import pathlib
import subprocess
import sys
import tempfile
import unittest

CHECKER = pathlib.Path(__file__).resolve().with_name("layers_test.py")
REAL_ROOT = pathlib.Path(__file__).resolve().parents[2]

# One header per layer, each including the one below it, each library where it may be:
# a tree that passes.
CLEAN = {
    "server/base/base.h": "#pragma once\n#include <cstdint>\n",
    "zones/dns/dns.h": '#pragma once\n#include "server/base/base.h"\n',
    "zones/model/model.h": '#pragma once\n#include "zones/dns/dns.h"\n',
    "zones/load/load.h": '#pragma once\n#include "zones/model/model.h"\n',
    "zones/load/load.cpp": '#include "load.h"\n#include <ldns/ldns.h>\n'
                           "#include <nlohmann/json.hpp>\n",
    "zones/examples/examples.h": '#pragma once\n#include "zones/load/load.h"\n',
    "config/config.h": '#pragma once\n#include "zones/load/load.h"\n',
    "config/json.h": "#pragma once\n#include <nlohmann/json.hpp>\n",
    "server/wire/wire.h": '#pragma once\n#include "config/config.h"\n',
    "server/query/query.h": '#pragma once\n#include "../wire/wire.h"\n',
    "server/upstream/upstream.h": "#pragma once\n#include <server/query/query.h>\n"
                                  "#include <boost/asio/io_context.hpp>\n",
    "server/runtime/runtime.h": '#pragma once\n#include "server/upstream/upstream.h"\n'
                                "#include <spdlog/spdlog.h>\n",
    "server/net/net.h": '#pragma once\n#include "../runtime/runtime.h"\n'
                        "#include <boost/beast/http.hpp>\n",
    "server/upstream/validate.cpp": '#include "upstream.h"\n#include <unbound.h>\n',
    "server/runtime/notify.cpp": '#include "runtime.h"\n#include <systemd/sd-daemon.h>\n',
    "server/main.cpp": '#include "server/net/net.h"\n#include <CLI/CLI.hpp>\n',
}

# A case: the files it plants, the place the check must name (file or file:line), and
# words of the message there.
CASES = {
    # Includes point down, however they are written.
    "upward include from the root": (
        {"server/query/answer.cpp": '#include <cstdint>\n#include "server/net/net.h"\n'},
        "server/query/answer.cpp:2", "may not include from server/net"),
    "upward relative include": (
        {"server/query/answer.cpp": '#include "../net/net.h"\n'},
        "server/query/answer.cpp:1", "may not include from server/net"),
    "relative include across roots": (
        {"zones/dns/name.cpp": '#include "../../config/config.h"\n'},
        "zones/dns/name.cpp:1", "may not include from config"),
    "upward include in angle brackets": (
        {"server/wire/codec.h": "#pragma once\n#include <server/query/query.h>\n"},
        "server/wire/codec.h:2", "may not include from server/query"),
    "base includes nothing of the project": (
        {"server/base/counter.h": '#pragma once\n#include "zones/dns/dns.h"\n'},
        "server/base/counter.h:2", "may not include from zones/dns"),
    # Every folder of sources is a layer.
    "a new folder is no layer": (
        {"server/metrics/scrape.cpp": '#include "server/net/net.h"\n'},
        "server/metrics/scrape.cpp", "is no layer"),
    "a subfolder of a layer is no layer": (
        {"server/net/detail/ring.h": "#pragma once\n"},
        "server/net/detail/ring.h", "is no layer"),
    "an include from a folder of no layer": (
        {"server/metrics/scrape.h": "#pragma once\n",
         "server/net/http.cpp": '#include "server/metrics/scrape.h"\n'},
        "server/net/http.cpp:1", "is in no layer"),
    # Each library in its place, included directly or through a project header.
    "ldns outside zones/load": (
        {"config/zone_text.cpp": "#include <ldns/ldns.h>\n"},
        "config/zone_text.cpp:1", "may not use ldns"),
    "ldns in a header": (
        {"zones/load/handles.h": "#pragma once\n#include <ldns/rr.h>\n"},
        "zones/load/handles.h:2", "ldns in a header"),
    "nlohmann/json in the server": (
        {"server/query/json.cpp": "#include <nlohmann/json.hpp>\n"},
        "server/query/json.cpp:1", "may not use nlohmann/json"),
    "nlohmann/json through a config header": (
        {"server/runtime/reader.cpp": '#include "config/json.h"\n'},
        "server/runtime/reader.cpp:1",
        "config/json.h -> nlohmann/json.hpp: layer server/runtime may not use"),
    "spdlog below runtime": (
        {"server/upstream/log.cpp": "#include <spdlog/spdlog.h>\n"},
        "server/upstream/log.cpp:1", "may not use spdlog"),
    "Asio below upstream": (
        {"server/query/timer.cpp": "#include <boost/asio/steady_timer.hpp>\n"},
        "server/query/timer.cpp:1", "may not use Boost.Asio"),
    "Beast below upstream": (
        {"server/wire/http.h": "#pragma once\n#include <boost/beast/http.hpp>\n"},
        "server/wire/http.h:2", "may not use Boost.Asio"),
    "libunbound outside server/upstream": (
        {"server/net/dnssec.cpp": "#include <unbound.h>\n"},
        "server/net/dnssec.cpp:1", "may not use libunbound"),
    "libunbound in a header": (
        {"server/upstream/ub.h": "#pragma once\n#include <unbound-event.h>\n"},
        "server/upstream/ub.h:2", "libunbound in a header"),
    "libsystemd outside server/runtime": (
        {"server/net/ready.cpp": "#include <systemd/sd-daemon.h>\n"},
        "server/net/ready.cpp:1", "may not use libsystemd"),
    "CLI11 below main": (
        {"config/options.cpp": "#include <CLI/CLI.hpp>\n"},
        "config/options.cpp:1", "may not use CLI11"),
    "Asio through a header of the same folder": (
        {"server/query/io.h": "#pragma once\n#include <boost/asio.hpp>\n",
         "server/query/timer.cpp": '#include "io.h"\n'},
        "server/query/timer.cpp:1", "server/query/io.h -> boost/asio.hpp"),
}


def run_checker(root: pathlib.Path):
    result = subprocess.run([sys.executable, str(CHECKER), str(root)], capture_output=True,
                            text=True, check=False)
    return result.returncode, result.stdout + result.stderr


def write_tree(root: pathlib.Path, files: dict):
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


class Checker(unittest.TestCase):
    def test_clean_tree_passes(self):
        with tempfile.TemporaryDirectory() as temp:
            write_tree(pathlib.Path(temp), CLEAN)
            code, output = run_checker(pathlib.Path(temp))
        self.assertEqual(code, 0, output)

    def test_each_planted_violation_fails(self):
        for name, (planted, named, why) in CASES.items():
            with self.subTest(name), tempfile.TemporaryDirectory() as temp:
                write_tree(pathlib.Path(temp), {**CLEAN, **planted})
                code, output = run_checker(pathlib.Path(temp))
                self.assertEqual(code, 1, f"passed:\n{output}")
                lines = [line for line in output.splitlines() if line.startswith(named + ":")]
                self.assertTrue(any(why in line for line in lines),
                                f"no line for {named} saying '{why}':\n{output}")

    def test_real_tree_passes(self):
        code, output = run_checker(REAL_ROOT)
        self.assertEqual(code, 0, output)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        REAL_ROOT = pathlib.Path(sys.argv.pop(1)).resolve()
    unittest.main()
