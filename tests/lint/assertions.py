#!/usr/bin/env python3
"""Refuses shell test code whose assertions cannot fail (issue 24).

The scripts' `check DESCRIPTION COMMAND...` counts COMMAND alone. A condition chained
after it (`check "x" grep -q a f && grep -q b f`) runs outside the check and is never
counted, and `|| true` after an assertion hides its failure. This reads every *.sh under
the folders given and reports, with file and line:
  - `check ... && ...`              the second condition is never asserted;
  - `check ... || X`                unless X is `exit`, `return` or `die` (stop after a failed
                                    check whose result later steps need);
  - `ASSERTION ... || true`         (or `|| :`) after check, test, [ ], [[ ]], pass or fail;
  - `COND && pass ... || fail ...`  a check written by hand: use check, which shows $out.

Usage: assertions.py DIR...   (exit 1 when anything is found, naming each place)
"""

import pathlib
import re
import sys

ASSERTIONS = {"check", "test", "[", "[[", "pass", "fail"}
LEADING = {"if", "then", "else", "elif", "do", "while", "until", "!", "{", "time"}
STOPS = re.compile(r"\|\|\s*(exit|return|die)\b")


def statements(text):
    """Yields (line, masked statement) for each top-level statement of a shell script.

    Quoted text, command substitutions and here-documents are masked (replaced by `Q`),
    so only the operators the script itself runs remain; comments are dropped; lines
    joined by `\\`, a trailing `&&`, `||` or `|` make one statement.
    """
    i, n, line = 0, len(text), 1
    current, start = [], 1
    heredocs = []

    def flush():
        nonlocal current
        stmt = "".join(current).strip()
        if stmt:
            yield start, stmt
        current = []

    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            if text[i + 1] == "\n":
                line += 1
                current.append(" ")
            else:
                current.append("Q")
            i += 2
            continue
        if c == "'":
            end = text.find("'", i + 1)
            end = n - 1 if end < 0 else end
            line += text.count("\n", i, end)
            current.append("Q")
            i = end + 1
            continue
        if c == '"' or c == "`" or (c == "$" and text.startswith("$(", i)):
            end = skip_nested(text, i)
            line += text.count("\n", i, end)
            current.append("Q")
            i = end
            continue
        if c == "#" and (i == 0 or text[i - 1] in " \t\n;"):
            i = text.find("\n", i)
            i = n if i < 0 else i
            continue
        if text.startswith("<<", i) and not text.startswith("<<<", i):
            m = re.match(r"<<(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2", text[i:])
            if m:
                heredocs.append((m.group(1) == "-", m.group(3)))
                current.append("<<Q")
                i += m.end()
                continue
        if c == "\n":
            line += 1
            i += 1
            for strip, word in heredocs:
                while i < n:
                    end = text.find("\n", i)
                    end = n if end < 0 else end
                    body = text[i:end]
                    line += 1
                    i = end + 1
                    if (body.strip() if strip else body) == word:
                        break
            heredocs = []
            joined = "".join(current).rstrip()
            if joined.endswith(("&&", "||", "|")):
                current.append(" ")
                continue
            yield from flush()
            start = line
            continue
        if c == ";" or (c == "&" and not text.startswith(("&&", "&>"), i) and text[i - 1] != "&"
                        and text[i - 1] != ">"):
            if text.startswith(";;", i):
                i += 1
            yield from flush()
            start = line
            i += 1
            continue
        current.append(c)
        i += 1
    yield from flush()


def skip_nested(text, i):
    """The index after the double-quoted string, backquoted or $( ) text starting at i."""
    n = len(text)
    if text[i] == '"' or text[i] == "`":
        close, j = text[i], i + 1
        while j < n and text[j] != close:
            if text[j] == "\\":
                j += 2
                continue
            if text.startswith("$(", j):
                j = skip_nested(text, j)
                continue
            j += 1
        return j + 1
    depth, j = 0, i + 1
    while j < n:
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "'":
            j = text.find("'", j + 1) + 1 or n
            continue
        if ch == '"' or ch == "`":
            j = skip_nested(text, j)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return n


def first_word(stmt):
    words = stmt.split()
    while words and words[0] in LEADING:
        words.pop(0)
    return words[0] if words else ""


def problems(stmt):
    head = first_word(stmt)
    if head == "check":
        if "&&" in stmt:
            yield "`check ... && ...`: the condition after && is never counted; put it inside check"
        for m in re.finditer(r"\|\|", stmt):
            if not STOPS.match(stmt, m.start()):
                yield "`check ... || ...`: only `|| exit`, `|| return` or `|| die` may follow a check"
                break
    if head in ASSERTIONS and re.search(r"\|\|\s*(true|:)(\s|$)", stmt):
        yield "`|| true` after an assertion hides its failure"
    if re.search(r"&&\s*pass\b", stmt) and re.search(r"\|\|\s*fail\b", stmt):
        yield "`COND && pass || fail`: use check, which also shows the output"


def main(folders):
    found = 0
    scripts = sorted(p for d in folders for p in pathlib.Path(d).rglob("*.sh"))
    for path in scripts:
        for line, stmt in statements(path.read_text()):
            for why in problems(stmt):
                print(f"{path}:{line}: {why}")
                found += 1
    if found:
        print(f"{found} assertion(s) that cannot fail, in {len(scripts)} scripts")
        return 1
    print(f"{len(scripts)} scripts checked, every assertion can fail")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["."]))
