#!/usr/bin/env python3
"""Checks that includes point one way (README.md, Layout): a file may include headers of
its own layer or of a lower one, and Boost.Asio only from server/upstream upwards.

Usage: layers_test.py [source root]   (default: two folders above this script)
Prints one line per offending include (file:line, both layers) and exits 1 if any.
"""
import pathlib
import re
import sys

# Lowest first. A path belongs to the longest prefix that matches it; files directly in
# server/ (main.cpp, service.h) are the main layer. server/base includes nothing of the
# project, so every layer may use it.
LAYERS = [
    "server/base",
    "zones/dns",
    "zones/model",
    "zones/load",
    "zones/examples",
    "config",
    "server/wire",
    "server/query",
    "server/upstream",
    "server/runtime",
    "server/net",
    "server",
]
RANK = {name: rank for rank, name in enumerate(LAYERS)}
FIRST_WITH_ASIO = "server/upstream"
ROOTS = ("zones", "config", "server")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(path: str):
    """The layer of a path relative to the source root, or None outside the layers."""
    best = None
    for name in LAYERS:
        if (path.startswith(name + "/")) and (best is None or len(name) > len(best)):
            best = name
    return best


def check_file(root: pathlib.Path, source: pathlib.Path):
    """Yields one message per include of `source` that points up or brings in Asio."""
    relative = source.relative_to(root).as_posix()
    own = layer_of(relative)
    if own is None:
        return
    lines = source.read_text(encoding="utf-8", errors="replace").splitlines()
    for number, line in enumerate(lines, start=1):
        match = INCLUDE.match(line)
        if not match:
            continue
        quote, target = match.groups()
        if target.startswith("boost/asio") and RANK[own] < RANK[FIRST_WITH_ASIO]:
            yield (f"{relative}:{number}: includes {target}: layer {own} is below "
                   f"{FIRST_WITH_ASIO}, the lowest layer that may use Boost.Asio")
            continue
        if quote != '"':
            continue
        included = layer_of(target)
        if included is not None and RANK[included] > RANK[own]:
            yield (f"{relative}:{number}: includes {target}: layer {own} may not "
                   f"include from {included}, a higher layer")


def main() -> int:
    default_root = pathlib.Path(__file__).resolve().parents[2]
    root = pathlib.Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else default_root
    problems = []
    checked = 0
    for top in ROOTS:
        for source in sorted((root / top).rglob("*")):
            if source.suffix in (".h", ".cpp") and source.is_file():
                checked += 1
                problems.extend(check_file(root, source))
    for problem in problems:
        print(problem)
    if checked == 0:
        print(f"no sources found under {root}")
        return 1
    if problems:
        print(f"{len(problems)} include(s) point the wrong way; layers, lowest first: "
              + " <- ".join(LAYERS))
        return 1
    print(f"{checked} files checked, every include points down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
