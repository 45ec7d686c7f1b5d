"""Complete a folder of wheels for another platform: add the dependencies pip left out.

``pip download --platform win_amd64 --python-version 3.11 --only-binary=:all:`` picks wheels
for Windows, but it decides *which* packages are needed with this machine's environment
markers: a dependency declared only for Windows (``colorama; platform_system == "Windows"``
of tqdm, ``pywinpty; os_name == "nt"`` of terminado, ``tzdata; sys_platform == "win32"``…) is
never downloaded on Linux, and ``pip install --no-index --find-links wheels evalstats`` then
fails on the office machine.  This script reads every wheel's ``Requires-Dist``, evaluates
the markers as the target platform would, and downloads what is missing (with pip, for the
target platform) until nothing is.  ``make wheelhouse PLATFORM=…`` runs it; run on the
folder for this machine (no ``--platform``), it only checks that the folder is complete.

Usage::

    python tools/wheelhouse.py wheels-win --platform win_amd64 --python-version 3.11 \
        --root "dist/evalstats-0.1.0-py3-none-any.whl[lab]"

Exit 0 when the folder is complete, 1 when a requirement cannot be found.
"""

from __future__ import annotations

import argparse
import email.parser
import platform
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

# platform tag prefix → (os_name, sys_platform, platform_system)
_SYSTEMS = {
    "win": ("nt", "win32", "Windows"),
    "manylinux": ("posix", "linux", "Linux"),
    "musllinux": ("posix", "linux", "Linux"),
    "linux": ("posix", "linux", "Linux"),
    "macosx": ("posix", "darwin", "Darwin"),
}
_MACHINES = {"amd64": "AMD64", "win32": "x86", "arm64": "ARM64"}


def target_environment(plat: str | None, python_version: str | None) -> dict[str, str]:
    """The marker environment of the target (this machine's where not given).

    >>> target_environment("win_amd64", "3.11")["sys_platform"]
    'win32'
    """
    env = dict(default_environment())
    if python_version:
        env["python_version"] = python_version
        env["python_full_version"] = f"{python_version}.0"
    if plat:
        prefix = next((p for p in _SYSTEMS if plat.startswith(p)), None)
        if prefix is None:
            raise SystemExit(
                f"unknown platform tag {plat!r} (e.g. win_amd64, manylinux2014_x86_64)"
            )
        env["os_name"], env["sys_platform"], env["platform_system"] = _SYSTEMS[prefix]
        machine = plat.rsplit("_", 1)[-1]
        env["platform_machine"] = _MACHINES.get(machine, machine)
        env["implementation_name"] = "cpython"
        env["platform_python_implementation"] = "CPython"
    return env


def wheel_requirements(path: Path) -> list[Requirement]:
    """The ``Requires-Dist`` of a wheel's METADATA."""
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n))
        meta = email.parser.Parser().parsestr(z.read(name).decode("utf-8"))
    return [Requirement(r) for r in meta.get_all("Requires-Dist") or []]


def missing(folder: Path, roots: list[Requirement], env: dict[str, str]) -> list[Requirement]:
    """Requirements reachable from ``roots`` (with their extras) that no wheel in ``folder``
    provides, for the marker environment ``env``."""
    wheels = {parse_wheel_filename(p.name)[0]: p for p in folder.glob("*.whl")}
    wanted: dict[str, set[str]] = {}
    todo = list(roots)
    out: dict[str, Requirement] = {}
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name not in wheels:
            # every requirement on a missing package counts: pywinpty>=2.0.1,!=3.0.4 and >=1.1
            seen = out.get(name)
            out[name] = req if seen is None else _combined(seen, req)
            continue
        extras = set(req.extras)
        if name in wanted and extras <= wanted[name]:
            continue
        wanted.setdefault(name, set()).update(extras)
        contexts = ["", *sorted(wanted[name])]
        for dep in wheel_requirements(wheels[name]):
            if dep.marker is None or any(
                dep.marker.evaluate({**env, "extra": e}) for e in contexts
            ):
                todo.append(_without_marker(dep))
    return list(out.values())


def _combined(a: Requirement, b: Requirement) -> Requirement:
    """One requirement on a package asking for what ``a`` and ``b`` both ask for."""
    extras = sorted(a.extras | b.extras)
    extra = f"[{','.join(extras)}]" if extras else ""
    return Requirement(f"{a.name}{extra}{a.specifier & b.specifier}")


def _without_marker(req: Requirement) -> Requirement:
    """``req`` without its marker (evaluated already, for the target: pip must not evaluate
    it again for this machine)."""
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return Requirement(f"{req.name}{extras}{req.specifier}")


def root_requirement(root: str) -> Requirement:
    """``dist/evalstats-0.1.0-py3-none-any.whl[lab]`` → ``evalstats[lab]``."""
    path, bracket, extras = root.partition("[")
    if path.endswith(".whl"):
        name = parse_wheel_filename(Path(path).name)[0]
        return Requirement(f"{name}{bracket}{extras}")
    return Requirement(root)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the folder of wheels")
    parser.add_argument("--root", action="append", required=True, help="what is installed")
    parser.add_argument("--platform", help="target platform tag, e.g. win_amd64")
    parser.add_argument("--python-version", help="target Python, e.g. 3.11")
    args = parser.parse_args(argv)
    env = target_environment(args.platform, args.python_version)
    roots = [root_requirement(r) for r in args.root]
    target = ["--platform", args.platform] if args.platform else []
    if args.python_version and args.platform:
        target += ["--python-version", args.python_version]
    for _ in range(10):
        need = missing(args.folder, roots, env)
        if not need:
            where = args.platform or platform.platform()
            print(f"{args.folder}: complete for {where}")
            return 0
        names = ", ".join(str(r) for r in need)
        print(f"{args.folder}: adding what {args.platform or 'this machine'} also needs: {names}")
        if not args.platform:
            return 1  # this machine's pip already resolved: something is really missing
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(args.folder),
             "--only-binary=:all:", *target, *(str(r) for r in need)],
            check=True,
        )  # fmt: skip
    print(f"{args.folder}: still incomplete after 10 rounds", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
