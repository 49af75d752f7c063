#!/usr/bin/env python3
"""Every relative link of README.md and docs/**/*.md names a file of the repository, and every
#anchor a heading of the file it points to (GitHub's rule: lower case, punctuation dropped,
spaces as '-'). Usage: tests/docs/links_test.py SOURCE_DIR"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1]).resolve()
pages = [root / "README.md"] + sorted((root / "docs").rglob("*.md"))
link = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def anchors(path):
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"#+\s+(.*)", line)
        if m:
            text = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower())
            found.add(text.replace(" ", "-"))
    return found


bad = []
checked = 0
for page in pages:
    for target in link.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("mailto:"):
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        checked += 1
        if not dest.exists():
            bad.append(f"{page.relative_to(root)}: {target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            bad.append(f"{page.relative_to(root)}: {target}: no heading #{anchor}")
for b in bad:
    print("FAIL", b)
print(f"{checked} links in {len(pages)} pages, {len(bad)} broken")
sys.exit(1 if bad else 0)
