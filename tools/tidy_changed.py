#!/usr/bin/env python3
"""clang-tidy (the repository's .clang-tidy) on the lines the last commits changed.

    tools/tidy_changed.py [BASE]     # BASE: a commit; default HEAD~10 (about one stop's work)

Every C++ source changed since BASE is checked, and findings on the changed lines (of it, or of a
changed header it includes) fail the run, as clang-tidy-diff does: code a commit touches meets the
checks, while untouched old lines are not reported (they are fixed as they are edited). A changed
header is checked through its own .cc. Needs build/ci/compile_commands.json (`make test`
configures it); files the ci build does not compile (benchmarks) are listed and left out.
Exits 1 with the findings when there are any.
"""
import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DB = os.path.join(ROOT, "build", "ci", "compile_commands.json")
FINDING = re.compile(r"^(/[^:]+):(\d+):\d+: (warning|error): ")


def git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


def changed_lines(base):
    """File -> [[first, last], ...] of the lines added or changed since base."""
    out = {}
    name = None
    for line in git("diff", "-U0", base, "HEAD", "--", "*.cc", "*.h").splitlines():
        if line.startswith("+++ "):
            name = None if line == "+++ /dev/null" else line[6:]
        elif line.startswith("@@") and name:
            m = re.search(r"\+(\d+)(?:,(\d+))?", line)
            first, count = int(m.group(1)), int(m.group(2) or 1)
            if count:
                out.setdefault(name, []).append([first, first + count - 1])
    return out


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else "HEAD~10"
    if not os.path.exists(DB):
        sys.exit(f"tidy: {DB} is missing: run make test (or cmake --preset ci) first")
    if subprocess.run(["git", "rev-parse", "--verify", "--quiet", base + "^{commit}"], cwd=ROOT,
                      capture_output=True).returncode != 0:
        base = git("rev-list", "--max-parents=0", "HEAD").split()[0]
    lines = changed_lines(base)
    # A copy of the compile commands: CI runs this beside `make test`, whose configure may write
    # the build's file while clang-tidy reads it.
    commands = tempfile.mkdtemp(prefix="tidy-")
    atexit.register(shutil.rmtree, commands, True)
    shutil.copy(DB, os.path.join(commands, "compile_commands.json"))
    compiled = {os.path.relpath(e["file"], ROOT) for e in json.load(open(DB))}
    sources = set()
    for f in lines:
        source = f[:-2] + ".cc" if f.endswith(".h") else f
        if source in compiled:
            sources.add(source)
        elif os.path.exists(os.path.join(ROOT, source)) and f.endswith(".cc"):
            print(f"tidy: not in the ci build, skipped: {f}")
    print(f"tidy: {len(sources)} file(s) changed since {git('rev-parse', '--short', base).strip()}")
    line_filter = json.dumps([{"name": os.path.join(ROOT, f), "lines": r} for f, r in lines.items()])

    def tidy(source):
        return subprocess.run(["clang-tidy", "-p", commands, "--quiet",
                               "-line-filter=" + line_filter, source], cwd=ROOT,
                              capture_output=True, text=True).stdout

    findings = []
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for output in pool.map(tidy, sorted(sources)):
            for line in output.splitlines():
                if FINDING.match(line):
                    findings.append(line)
    for f in sorted(set(findings)):
        print(f)
    if findings:
        sys.exit(f"tidy: {len(set(findings))} finding(s) on changed lines")
    print("tidy: clean")


if __name__ == "__main__":
    main()
