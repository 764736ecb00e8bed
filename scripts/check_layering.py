#!/usr/bin/env python3
"""Checks the #include lines of the tree against evmatch's layering.

  src/<folder> may include only from the folders LAYERS allows it (one-way,
  no cycles; the README's "Layout" section draws the same picture);
  cli/, router/, examples/, bench/ and python/ may include only the public headers
  (include/evmatch/), third-party headers and their own files;
  bench/ may also use the shared test helpers (tests/support/).

Prints one line per violation, file:line, and exits 1 if there is any.
Usage: check_layering.py [ROOT]   (default: the repository this script is in)
"""
import pathlib
import re
import sys

# folder -> the src/ folders it may include from (besides itself).
LAYERS = {
    "util": set(),
    "unicode": {"util"},
    "number": {"util"},
    "json": {"util", "number"},
    "pattern": {"util", "number", "json", "unicode"},
    "reference": {"util", "number", "json", "pattern", "unicode"},
    "compile": {"util", "number", "json", "pattern", "unicode"},
    "runtime": {"util", "number", "json", "pattern", "unicode", "compile"},
    "live": {"util", "number", "json", "pattern", "unicode", "compile", "runtime"},
    "explain": {"util", "number", "json", "pattern", "unicode", "reference"},
    "s3": {"util", "json"},
    "transform": {"util", "number"},
    "integrity": {"util"},
    "dlq": {"util"},
}
PUBLIC_ONLY = ["cli", "router", "examples", "bench", "python"]
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SOURCES = {".h", ".cc", ".inc"}


def includes(path):
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        m = INCLUDE.match(line)
        if m:
            yield number, m.group(1)


def check(root):
    problems = []
    src = root / "src"
    folders = {p.name for p in src.iterdir() if p.is_dir()}
    for folder in sorted(folders - LAYERS.keys()):
        problems.append(f"src/{folder}: a folder the layering table does not know")
    for path in sorted(src.rglob("*")):
        if path.suffix not in SOURCES or not path.is_file():
            continue
        folder = path.relative_to(src).parts[0]
        allowed = LAYERS.get(folder, set()) | {folder}
        for number, target in includes(path):
            head = target.split("/")[0]
            if head in folders and head not in allowed:
                problems.append(f"{path.relative_to(root)}:{number}: src/{folder} may not "
                                f"include {target} (allowed: {', '.join(sorted(allowed))})")
    for top in PUBLIC_ONLY:
        for path in sorted((root / top).rglob("*")):
            if path.suffix not in SOURCES or not path.is_file():
                continue
            for number, target in includes(path):
                head = target.split("/")[0]
                local = (path.parent / target).exists()
                support = top == "bench" and target.startswith("support/")
                if head in folders and not local and not support:
                    problems.append(f"{path.relative_to(root)}:{number}: {top}/ uses the public "
                                    f"API only, not src/ ({target})")
    return problems


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                        pathlib.Path(__file__).resolve().parent.parent)
    problems = check(root)
    for problem in problems:
        print(problem)
    print(f"layering: {len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
