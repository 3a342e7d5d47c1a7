#!/usr/bin/env python3
"""Checks that libjobmon's layout says what docs/ARCHITECTURE.md says it does.

  check_layout.py SOURCE_DIR

- every room includes only the rooms below it (ALLOWED), in its public
  headers and in its sources alike;
- no public header includes a private one (a "room/x.hpp" path under src/);
- jobmon/jobmon.hpp, the core umbrella, includes every public header but
  those of cli/ and server/;
- every header and source file of a room is named in that room's
  CMakeLists.txt (the lists are the architecture), and every named file exists;
- no folder of the library holds more than MAX_FILES files.
Prints every violation with its file and exits 1, or prints a summary and exits 0.
"""
import pathlib
import re
import sys

# Which rooms each room may include (besides itself). Order = the floors of the house.
ALLOWED = {
    "core": set(),
    "storage": {"core"},
    "scheduler": {"core"},
    "notify": {"core"},
    "datatrove": {"core", "storage", "scheduler"},
    "datajuicer": {"core", "storage"},
    "training": {"core", "storage"},
    "hub": {"core", "storage", "scheduler"},
    "server": {"core", "storage", "scheduler", "notify", "datatrove", "datajuicer", "training"},
    "cli": {"core", "storage", "scheduler", "notify", "datatrove", "datajuicer", "training", "hub"},
}
CORE_UMBRELLA_EXCLUDES = {"cli", "server"}
MAX_FILES = 15
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def room_of_public(include: str):
    """'jobmon/storage/glob.hpp' -> 'storage'; 'jobmon/eta.hpp' -> 'core'; else None."""
    parts = include.split("/")
    if parts[0] != "jobmon":
        return None
    return parts[1] if len(parts) == 3 else "core"


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    lib = root / "libjobmon"
    include_dir, src_dir = lib / "include", lib / "src"
    problems = []
    private_headers = {p.relative_to(src_dir).as_posix() for p in src_dir.rglob("*.hpp")}

    def check_file(path: pathlib.Path, room: str, public: bool):
        text = path.read_text(encoding="utf-8", errors="replace")
        rel = path.relative_to(root).as_posix()
        for inc in INCLUDE.findall(text):
            target = room_of_public(inc)
            if target is None and inc in private_headers:
                if public:
                    problems.append(f"{rel}: public header includes private {inc}")
                    continue
                target = inc.split("/")[0]
            if target is None or target == room or target not in ALLOWED:
                continue
            if target not in ALLOWED[room]:
                problems.append(f"{rel}: room {room} may not include {inc} (room {target})")

    for room in ALLOWED:
        pub = include_dir / "jobmon" if room == "core" else include_dir / "jobmon" / room
        pub_files = sorted(pub.glob("*.hpp")) if pub.is_dir() else []
        src_files = sorted(p for p in (src_dir / room).rglob("*") if p.suffix in (".cpp", ".hpp"))
        for p in pub_files:
            if p != include_dir / "jobmon" / "jobmon.hpp":  # the umbrella: checked below
                check_file(p, room, public=True)
        for p in src_files:
            check_file(p, room, public=False)
        # The room's CMakeLists name exactly its files.
        for cmake in sorted((src_dir / room).rglob("CMakeLists.txt")):
            listed = set(re.findall(r"[\w./-]+\.(?:cpp|hpp)", cmake.read_text()))
            here = {p.name for p in cmake.parent.glob("*") if p.suffix in (".cpp", ".hpp")}
            for name in sorted(here - listed):
                problems.append(f"{cmake.relative_to(root)}: does not list {name}")
            for name in sorted(n for n in listed if "/" not in n and n not in here):
                problems.append(f"{cmake.relative_to(root)}: lists missing {name}")
            for name in sorted(n for n in listed if n.startswith("jobmon/")):
                if not (include_dir / name).is_file():
                    problems.append(f"{cmake.relative_to(root)}: lists missing header {name}")
        for p in pub_files:
            name = p.relative_to(include_dir).as_posix()
            cmake_text = (src_dir / room / "CMakeLists.txt").read_text()
            if name not in cmake_text:
                problems.append(f"{p.relative_to(root)}: public header not listed in {room}/CMakeLists.txt")

    umbrella = include_dir / "jobmon" / "jobmon.hpp"
    umbrella_includes = set(INCLUDE.findall(umbrella.read_text()))
    for inc in sorted(umbrella_includes):
        if room_of_public(inc) in CORE_UMBRELLA_EXCLUDES:
            problems.append(f"{umbrella.relative_to(root)}: the core umbrella includes {inc}")
    # ... and everything else that is public (truly the whole core API).
    for h in sorted(include_dir.rglob("*.hpp")):
        name = h.relative_to(include_dir).as_posix()
        if h != umbrella and room_of_public(name) not in CORE_UMBRELLA_EXCLUDES and name not in umbrella_includes:
            problems.append(f"{umbrella.relative_to(root)}: the core umbrella lacks {name}")

    folders = [d for d in [lib, *lib.rglob("*")] if d.is_dir()]
    for d in folders:
        count = sum(1 for p in d.iterdir() if p.is_file())
        if count > MAX_FILES:
            problems.append(f"{d.relative_to(root)}: {count} files (at most {MAX_FILES} a folder)")

    for p in problems:
        print(f"layout: {p}", file=sys.stderr)
    if problems:
        return 1
    biggest = max(folders, key=lambda d: sum(1 for p in d.iterdir() if p.is_file()))
    print(f"layout: {len(ALLOWED)} rooms, {len(private_headers)} private headers, "
          f"{len(folders)} folders (largest {biggest.relative_to(root)}: "
          f"{sum(1 for p in biggest.iterdir() if p.is_file())} files): ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
