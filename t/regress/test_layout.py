"""The shape of the code (doc/control-channel.md, "Session model"): the
units of lib/secftp include each other only downwards (pure units, then
platform, then features, then the module entry), and the session's state
is written by one unit only."""

import os
import re

from harness import ROOT, check, test

LIB = os.path.join(ROOT, "lib", "secftp")
INCLUDE = re.compile(r'^\s*#\s*include\s+"(?:secftp/)?([a-z0-9_]+)\.h"', re.M)


def sources():
    """{file name: text} of lib/secftp and the module entry."""
    out = {}
    for name in sorted(os.listdir(LIB)):
        if name.endswith((".c", ".h")):
            with open(os.path.join(LIB, name), encoding="utf-8") as f:
                out[name] = f.read()
    return out


def include_graph():
    """{unit: units it includes}; a unit is a .c with its .h."""
    units = {}
    srcs = sources()
    known = {os.path.splitext(n)[0] for n in srcs}
    for name, text in srcs.items():
        unit = os.path.splitext(name)[0]
        deps = units.setdefault(unit, set())
        for inc in INCLUDE.findall(text):
            if inc in known and inc != unit:
                deps.add(inc)
    return units


def cycles(graph):
    """The strongly connected components of more than one unit."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@test
def include_graph_of_lib_secftp_has_no_cycle():
    graph = include_graph()
    check(len(graph) > 20, "lib/secftp has too few units: %d" % len(graph))
    found = cycles(graph)
    check(not found, "include cycles in lib/secftp: %s" % "; ".join(
        " -> ".join(c) for c in found))


@test
def the_cycle_check_finds_a_cycle():
    """The checker itself: a planted cycle is found."""
    check(cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) ==
          [["a", "b", "c"]], "a planted 3-unit cycle was not found")
    check(cycles({"a": {"b"}, "b": set()}) == [], "a chain is no cycle")


@test
def session_state_is_written_in_session_c_only():
    """secftp_sess is a read-only view outside session.c (a write does not
    compile); no other unit declares a writable session struct."""
    srcs = sources()
    header = srcs["session.h"]
    check("#define secftp_sess (*secftp_session_view())" in header,
          "session.h no longer gives a read-only view")
    check(re.search(r"const struct secftp_session \*secftp_session_view",
                    header), "secftp_session_view does not return const")
    for name, text in srcs.items():
        if name in ("session.c", "session.h"):
            continue
        check(not re.search(r"struct secftp_session\s+\w+\s*[;=]", text),
              "%s declares its own session struct" % name)
        check(not re.search(r"\bsecftp_sess\.[\w.]+\s*([-+|&^]?=)(?!=)",
                            text), "%s writes secftp_sess" % name)
