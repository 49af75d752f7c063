#!/usr/bin/env python3
"""Checks the layers of src/ against src/layers.json.

    tools/check_layers.py [ROOT]        # ROOT: the repository (default: this script's parent's)

Every #include "<module>/..." of a module's code must follow the arrows of layers.json (the
module itself, or one reachable along its 'uses'); the arrows must form no cycle and never point
to a higher layer; the 'never' rules and the 'external' rules (which module may include a
library's headers) hold; and every pg_library's DEPS stay within the arrows, so what the build
links cannot form a cycle either. Prints one line per violation, 'file:line: why', and exits 1
when there is any; 0 and a one-line summary otherwise.
"""
import json
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
PG_LIBRARY = re.compile(r"pg_library\(\s*(\w+)(.*?)\)", re.S)


def load(root):
    with open(os.path.join(root, "src", "layers.json"), encoding="utf-8") as f:
        return json.load(f)


def closures(modules, problems):
    """Module -> every module it may use (itself included). Reports cycles and upward arrows."""
    for name, m in modules.items():
        for used in m["uses"]:
            if used not in modules:
                problems.append(f"src/layers.json: {name} uses '{used}', which is not a module")
            elif modules[used]["layer"] > m["layer"]:
                problems.append(f"src/layers.json: {name} (layer {m['layer']}) uses {used}, "
                                f"a higher layer ({modules[used]['layer']})")
    reach = {}

    def visit(name, path):
        if name in path:
            problems.append("src/layers.json: a cycle: " + " -> ".join(path + [name]))
            return set()
        if name in reach:
            return reach[name]
        out = {name}
        for used in modules.get(name, {"uses": []})["uses"]:
            out |= visit(used, path + [name])
        reach[name] = out
        return out

    for name in modules:
        visit(name, [])
    return reach


def source_files(root):
    for dirpath, _, files in os.walk(os.path.join(root, "src")):
        for f in sorted(files):
            if f.endswith((".h", ".cc")):
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                yield rel, path


def is_test(rel):
    return rel.endswith(("_test.cc", "_benchmark.cc"))


def never_rules(layers, frm, to, in_test):
    for rule in layers.get("never", []):
        applies = ("*" in rule["from"] or frm in rule["from"]) and frm not in rule.get("except", [])
        applies = applies and (not in_test or rule.get("tests", True))
        if applies and to in rule["to"]:
            yield rule["why"]


def check_include(layers, reach, rel, line_no, kind, target):
    module = rel.split("/")[1]
    modules = layers["modules"]
    where = f"{rel}:{line_no}"
    if kind == "<":
        for ext in layers.get("external", []):
            allowed = module in ext["only"] or (is_test(rel) and ext.get("tests", False))
            if target.startswith(ext["include"]) and not allowed:
                yield f"{where}: {module} includes <{target}>: {ext['why']}"
        return
    head = target.split("/")[0]
    if head == "tests":
        if not is_test(rel):
            yield f"{where}: {module} includes test support ({target}) outside a test"
        return
    if head not in modules or head == module:
        return
    for why in never_rules(layers, module, head, is_test(rel)):
        yield f"{where}: {module} includes {target}: never — {why}"
    if not is_test(rel) and head not in reach.get(module, {module}):
        yield (f"{where}: {module} may not include {target}: {head} is not among its arrows "
               f"({', '.join(sorted(reach.get(module, {module}) - {module}))})")


def check_sources(root, layers, reach):
    problems = []
    for rel, path in source_files(root):
        if rel.count("/") < 2:
            continue  # src/layers.json's neighbours, not a module's code
        if rel.split("/")[1] not in layers["modules"]:
            problems.append(f"{rel}: src/{rel.split('/')[1]}/ is not a module of src/layers.json")
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if m:
                    problems.extend(check_include(layers, reach, rel, n, m.group(1), m.group(2)))
    return problems


def check_cmake(root, layers, reach):
    """Each pg_library's DEPS on other pg_ libraries stay within its module's arrows."""
    owner, deps = {}, {}
    for dirpath, _, files in os.walk(os.path.join(root, "src")):
        if "CMakeLists.txt" not in files:
            continue
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        if rel_dir.count("/") < 1:
            continue
        module = rel_dir.split("/")[1]
        with open(os.path.join(dirpath, "CMakeLists.txt"), encoding="utf-8") as f:
            text = f.read()
        for m in PG_LIBRARY.finditer(text):
            lib = "pg_" + m.group(1)
            owner[lib] = module
            args = m.group(2).split()
            used = args[args.index("DEPS") + 1:] if "DEPS" in args else []
            deps[lib] = (rel_dir + "/CMakeLists.txt", [d for d in used if d.startswith("pg_")])
    problems = []
    for lib, (where, used) in sorted(deps.items()):
        module = owner[lib]
        for d in used:
            target = owner.get(d)
            if target is not None and target not in reach.get(module, {module}):
                problems.append(f"{where}: {lib} ({module}) links {d} ({target}), not among "
                                f"{module}'s arrows")
    return problems


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    layers = load(root)
    problems = []
    reach = closures(layers["modules"], problems)
    problems += check_sources(root, layers, reach)
    problems += check_cmake(root, layers, reach)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} layer rule(s) broken (src/layers.json)", file=sys.stderr)
        return 1
    print(f"layers hold: {len(layers['modules'])} modules, every #include and pg_library DEPS "
          f"within src/layers.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
