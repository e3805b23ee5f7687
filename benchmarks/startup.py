"""Start-up time of wsgen's command lines: the fast path (`wsgen render`, which must not import
typer) and the typer path (`wsgen --help`, `wsgen lint`, a completion request).

Every measurement is a whole process (interpreter start-up included), timed with
time.perf_counter around subprocess.run, output sent to /dev/null, and its CPU time (user +
system, from getrusage), which a busy machine disturbs less than the wall clock. The
commands (and, with --compare, the two source trees) are interleaved round-robin so that
machine noise hits all of them equally; the median of --runs runs is reported, in
milliseconds.

Each run is `python -c "from wsgen.__main__ import run; run()" ARGS` with the venv's Python:
with --compare DIR, once with PYTHONPATH=DIR (another checkout's `wsgen/` and `templates/`,
e.g. `git archive BASE wsgen templates | tar -x -C DIR`) and once with this checkout, so
that a change is measured against the code before it on the same machine, at the same time.
Each command runs once untimed first, so that bytecode exists (as pip writes it).

Run from the repository root:

    .venv/bin/python benchmarks/startup.py [--runs 21] [--compare DIR] [--only render ...] [--json]

It is a measurement, not a test: exit 0, or 1 if a command fails.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINTED = ROOT / "examples" / "ack-echo" / "ingress.yaml"
COMMANDS: dict[str, tuple[list[str], dict[str, str]]] = {
    # the fast path: what scripts and CI run over and over
    "render": (["render", "--host", "chat.example.com", "--timeout", "1h"], {}),
    "help": (["--help"], {}),
    "lint": (["lint", str(LINTED)], {}),
    # what the shell runs at each Tab: `wsgen render --tls <Tab>`
    "complete": (
        [],
        {
            "_WSGEN_COMPLETE": "complete_bash",
            "COMP_WORDS": "wsgen render --tls ",
            "COMP_CWORD": "3",
        },
    ),
}
LAUNCH = "import sys; sys.argv[0] = 'wsgen'; from wsgen.__main__ import run; run()"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run."""
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCH, *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    elapsed = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    if done.returncode not in (0, 1):  # lint exits 1 for findings
        sys.exit(f"{args}: exit {done.returncode}: {done.stderr.decode(errors='replace')}")
    return elapsed, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--compare", type=Path, help="another checkout's source tree")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--only", nargs="+", choices=list(COMMANDS), help="these commands (default: all)"
    )
    options = parser.parse_args()
    commands = {name: COMMANDS[name] for name in options.only or COMMANDS}
    trees = {"this": ROOT}
    if options.compare is not None:
        trees = {"before": options.compare.resolve(), "after": ROOT}
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("WSGEN_", "_WSGEN_"))}
    base_env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not LINTED.exists():
        sys.exit(f"missing {LINTED}")
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        cases = [
            (tree, name, args, base_env | extra | {"PYTHONPATH": str(path)})
            for tree, path in trees.items()
            for name, (args, extra) in commands.items()
        ]
        for _tree, _name, args, env in cases:  # untimed: bytecode
            run_once(args, env, cwd)
        for _ in range(options.runs):
            for tree, name, args, env in cases:
                times.setdefault((tree, name), []).append(run_once(args, env, cwd))
    medians = {
        (tree, name, kind): statistics.median(v[index] for v in values) * 1000
        for (tree, name), values in times.items()
        for index, kind in enumerate(("wall", "cpu"))
    }
    if options.json:
        print(json.dumps({" ".join(key): round(ms, 1) for key, ms in medians.items()}))
        return 0
    header = "".join(f"{tree + ' ' + kind:>14}" for kind in ("wall", "cpu") for tree in trees)
    print(f"median of {options.runs} runs, ms{header}")
    for name in commands:
        row = "".join(
            f"{medians[(tree, name, kind)]:14.1f}" for kind in ("wall", "cpu") for tree in trees
        )
        print(f"  {name:18}{row}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
