#!/usr/bin/env python3
"""Checks that includes point one way (README.md, Layout): a file may include headers of
its own layer or of a lower one, every folder of sources is a layer, and each library
appears only where its rule allows (LIBRARIES), included directly or through the
project's headers.

An include is resolved as the compiler does: "x.h" and "../net/x.h" from the including
file's folder first, then from the source root; <server/net/x.h> from the source root.

Usage: layers_test.py [source root]   (default: two folders above this script)
Prints one line per offending include or folder (file:line and why) and exits 1 if any.
Its own test: layers_test_test.py.
"""
import os
import pathlib
import re
import sys

# Lowest first. Every folder of sources under ROOTS is one of these; files directly in
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
ROOTS = ("zones", "config", "server")
SOURCE_SUFFIXES = (".h", ".cpp")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


class Library:
    """Where a library may be included: the layers that may use it, directly or through
    a project header, and whether a header may include it."""

    def __init__(self, name, prefixes, layers, in_headers, why):
        self.name = name
        self.prefixes = prefixes  # include paths that belong to it
        self.layers = layers
        self.in_headers = in_headers
        self.why = why

    def owns(self, target: str) -> bool:
        return any(target == p or target.startswith(p + "/") for p in self.prefixes)


def layers_from(lowest: str):
    return tuple(LAYERS[RANK[lowest]:])


LIBRARIES = [
    Library("ldns", ("ldns",), ("zones/load",), False,
            "only zones/load reads zone text, and only in .cpp files: ldns/common.h "
            "defines bool"),
    Library("nlohmann/json", ("nlohmann",), ("zones/load", "config"), True,
            "only the JSON readers (zones/load, config) parse JSON"),
    Library("spdlog", ("spdlog",), layers_from("server/runtime"), True,
            "lower layers return errors, the edges (runtime and up) log them"),
    Library("Boost.Asio", ("boost/asio.hpp", "boost/asio", "boost/beast"),
            layers_from("server/upstream"), True,
            "the query core and everything below it do no I/O"),
    Library("libunbound", ("unbound.h", "unbound-event.h"), ("server/upstream",), False,
            "only the validator (server/upstream) talks to libunbound, in .cpp files"),
    Library("libsystemd", ("systemd",), ("server/runtime",), False,
            "only server/runtime speaks to systemd (sd_notify), in .cpp files"),
    Library("CLI11", ("CLI",), ("server",), False,
            "only main reads the command line"),
]


def layer_of(path: str):
    """The layer of a file (path relative to the source root), None outside ROOTS, or
    "" when its folder is under ROOTS but is no layer."""
    if path.split("/", 1)[0] not in ROOTS:
        return None
    folder = path.rsplit("/", 1)[0] if "/" in path else ""
    return folder if folder in RANK else ""


def library_of(target: str):
    for library in LIBRARIES:
        if library.owns(target):
            return library
    return None


class Tree:
    """The sources under a root, their includes resolved, and what each brings in."""

    def __init__(self, root: pathlib.Path):
        self.root = root
        self.includes = {}  # path -> [(line, written, resolved project path or None)]
        self.libraries = {}  # path -> {library name: (line, chain)} once computed

    def resolve(self, source: str, quote: str, target: str):
        """The project path (relative to the root) `target` names, or None if it is no
        file of the project (a system or library header)."""
        candidates = []
        if quote == '"':
            folder = source.rsplit("/", 1)[0] if "/" in source else "."
            candidates.append(os.path.normpath(os.path.join(folder, target)))
        candidates.append(os.path.normpath(target))
        for candidate in candidates:
            if not candidate.startswith("..") and (self.root / candidate).is_file():
                return candidate
        # Not on disk: a project path by its first folder, written from the root or
        # relative to the including file.
        for candidate in reversed(candidates):
            if candidate.split("/", 1)[0] in ROOTS:
                return candidate
        return None

    def includes_of(self, source: str):
        if source not in self.includes:
            found = []
            path = self.root / source
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                for number, line in enumerate(text.splitlines(), start=1):
                    match = INCLUDE.match(line)
                    if match:
                        quote, target = match.groups()
                        found.append((number, target, self.resolve(source, quote, target)))
            self.includes[source] = found
        return self.includes[source]

    def libraries_of(self, source: str):
        """{library name: (line, chain)}: the libraries `source` brings in, each with the
        line of `source` that brings it and the headers it comes through."""
        if source in self.libraries:
            return self.libraries[source]
        self.libraries[source] = {}  # an include cycle ends here
        found = {}
        for number, target, resolved in self.includes_of(source):
            if resolved is None:
                library = library_of(target)
                if library is not None:
                    found.setdefault(library.name, (number, [target]))
                continue
            for name, (_, chain) in self.libraries_of(resolved).items():
                found.setdefault(name, (number, [resolved] + chain))
        self.libraries[source] = found
        return found


def check_folder(relative: str, own):
    if own == "":
        folder = relative.rsplit("/", 1)[0]
        yield (f"{relative}: folder {folder} is no layer; place it in LAYERS of "
               f"tests/layering/layers_test.py and in README.md's Layout")


def check_includes(tree: Tree, relative: str, own: str):
    """Yields one message per include of `relative` that points up or into no layer."""
    for number, target, resolved in tree.includes_of(relative):
        if resolved is None:
            continue
        included = layer_of(resolved)
        if included == "":
            yield (f"{relative}:{number}: includes {target}: {resolved} is in no layer")
        elif included is not None and own != "" and RANK[included] > RANK[own]:
            yield (f"{relative}:{number}: includes {target}: layer {own} may not "
                   f"include from {included}, a higher layer")


def check_libraries(tree: Tree, relative: str, own: str):
    """Yields one message per library `relative` brings in against its rule."""
    by_name = {library.name: library for library in LIBRARIES}
    for name, (number, chain) in tree.libraries_of(relative).items():
        library = by_name[name]
        how = "includes " + " -> ".join(chain)
        if own not in library.layers:
            place = f"layer {own}" if own else "a folder in no layer"
            yield (f"{relative}:{number}: {how}: {place} may not use {name} "
                   f"({library.why})")
        elif len(chain) == 1 and relative.endswith(".h") and not library.in_headers:
            yield (f"{relative}:{number}: {how}: {name} in a header ({library.why})")


def check_file(tree: Tree, relative: str):
    own = layer_of(relative)
    if own is None:
        return
    yield from check_folder(relative, own)
    yield from check_includes(tree, relative, own)
    yield from check_libraries(tree, relative, own)


def sources(root: pathlib.Path):
    for top in ROOTS:
        for source in sorted((root / top).rglob("*")):
            if source.suffix in SOURCE_SUFFIXES and source.is_file():
                yield source.relative_to(root).as_posix()


def main() -> int:
    default_root = pathlib.Path(__file__).resolve().parents[2]
    root = pathlib.Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else default_root
    tree = Tree(root)
    problems = []
    checked = 0
    for relative in sources(root):
        checked += 1
        problems.extend(check_file(tree, relative))
    for problem in problems:
        print(problem)
    if checked == 0:
        print(f"no sources found under {root}")
        return 1
    if problems:
        print(f"{len(problems)} problem(s); layers, lowest first: " + " <- ".join(LAYERS))
        return 1
    print(f"{checked} files checked: every include points down, every library in its place")
    return 0


if __name__ == "__main__":
    sys.exit(main())
