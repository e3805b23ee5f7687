"""Time `wsgen render` against doing the same job by hand with kubectl and openssl.

Every measurement is a whole process (start-up included), timed with
time.perf_counter around subprocess.run, output sent to /dev/null. Three pairs:

  plain        wsgen render -f VALUES (ingress-nginx)
               vs kubectl create deployment, service and ingress (--dry-run=client -o yaml)
  self-signed  wsgen render -f VALUES --tls self-signed (also an ECDSA P-256 key + certificate)
               vs the same three, openssl req -x509 (RSA-2048) and kubectl create secret tls
  gateway      wsgen render -f examples/envoy-gateway/wsgen.yaml (a Gateway API target)
               vs kubectl create deployment and service (kubectl cannot create a Gateway, an
               HTTPRoute or a policy: a user writes those by hand, which costs no process here)

Before timing, every wsgen command runs once with PYTHONDONTWRITEBYTECODE removed from its
environment, so that the package's __pycache__ exists, as pip writes it when it installs the
wheel: what is timed is what an installed user runs, not a first run from a source tree that
may not keep bytecode (the timed runs themselves get the caller's environment).

The variants are interleaved round-robin so machine noise hits all of them
equally. kubectl gets KUBECONFIG pointing at an empty file, so it never contacts
a cluster. If kubectl or openssl is missing, only wsgen is timed.

wsgen is timed as `pip install .` installs it: its wheel is built from this checkout (pip
wheel, no network) and unpacked into the temporary folder (--from checkout times the venv's own,
editable, install instead, which compiles the templates at run time).

Run from the repository root:

    .venv/bin/python benchmarks/render_vs_kubectl.py [--runs 15] [--values FILE] \
        [--from wheel|checkout] [--json]

It is a measurement, not a test: exit 0, or 1 if a command fails. Each ratio (wsgen median /
kubectl median) must stay below 1.0; 0.5 is the aim.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VALUES = ROOT / "examples" / "ack-echo" / "wsgen.yaml"
GATEWAY_VALUES = ROOT / "examples" / "envoy-gateway" / "wsgen.yaml"
NAME = "websocket-server"
IMAGE = "registry-cn-hangzhou.ack.aliyuncs.com/ack-demo/websocket-echo-server:latest"
HOST = "test.example.com"


def wsgen_command() -> list[str]:
    script = Path(sys.executable).parent / "wsgen"
    return [str(script)] if script.exists() else [sys.executable, "-m", "wsgen"]


# What the console script of an installed wheel runs (its entry point, wsgen.__main__:run).
ENTRY_POINT = "import sys; sys.argv[0] = 'wsgen'; from wsgen.__main__ import run; run()"


def install_wheel(tmp: Path) -> Path:
    """Build wsgen's wheel from this checkout and unpack it: what `pip install .` installs
    (with the templates compiled at build time, which an editable install has not)."""
    wheels = tmp / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(wheels), str(ROOT)],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    site = tmp / "site"
    (wheel,) = wheels.glob("wsgen-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def stack_commands(kubectl: str, openssl: str, tmp: Path) -> dict[str, list[list[str]]]:
    """The processes a user runs by hand for each pair."""
    key, cert, dry = str(tmp / "tls.key"), str(tmp / "tls.crt"), ["--dry-run=client", "-o", "yaml"]
    ann = "--annotation=nginx.ingress.kubernetes.io/proxy"
    ingress = [NAME, "--class=nginx", f"--rule={HOST}/*={NAME}:3000,tls=nginx-ingress-tls"]
    timeouts = [f"{ann}-read-timeout=3600", f"{ann}-send-timeout=3600"]
    secret = ["nginx-ingress-tls", f"--cert={cert}", f"--key={key}"]
    x509 = ["req", "-x509", "-nodes", "-newkey", "rsa:2048", "-days", "365", "-subj", f"/CN={HOST}"]
    deployment = [kubectl, "create", "deployment", NAME, f"--image={IMAGE}", "--port=3000", *dry]
    service = [kubectl, "create", "service", "clusterip", NAME, "--tcp=3000:3000", *dry]
    three = [deployment, service, [kubectl, "create", "ingress", *ingress, *timeouts, *dry]]
    return {
        "plain": three,
        "self-signed": [
            *three,
            [openssl, *x509, "-addext", f"subjectAltName=DNS:{HOST}", "-keyout", key, "-out", cert],
            [kubectl, "create", "secret", "tls", *secret, *dry],
        ],
        "gateway": [deployment, service],
    }


def run_timed(commands: list[list[str]], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    """Run the commands one after another; return the summed wall time in ms. An exit code
    not in `ok` raises RuntimeError."""
    total = 0.0
    for cmd in commands:
        start = time.perf_counter()
        proc = subprocess.run(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False
        )
        total += time.perf_counter() - start
        if proc.returncode not in ok:
            err = proc.stderr.decode(errors="replace").strip()
            raise RuntimeError(f"exit {proc.returncode}: {' '.join(cmd)}\n{err}")
    return total * 1000.0


def summarise(samples: list[float]) -> dict[str, float]:
    median, fastest = statistics.median(samples), min(samples)
    return {"median_ms": round(median, 1), "min_ms": round(fastest, 1), "runs": len(samples)}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per variant (default 15)")
    parser.add_argument(
        "--values",
        type=Path,
        default=DEFAULT_VALUES if DEFAULT_VALUES.exists() else None,
        help="wsgen values file (default examples/ack-echo/wsgen.yaml if present)",
    )
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument(
        "--from",
        dest="source",
        choices=("wheel", "checkout"),
        default="wheel",
        help="time wsgen as `pip install .` installs it (default: its wheel, built here) or "
        "as this checkout's venv runs it (an editable install)",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    # No WSGEN_* leaks from the caller's shell into what is measured.
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSGEN_")}
    kubectl, openssl = shutil.which("kubectl"), shutil.which("openssl")
    notes: list[str] = []

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp_name:
        tmp = Path(tmp_name)
        wsgen = wsgen_command()
        if args.source == "wheel":
            site = install_wheel(tmp)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
            wsgen = [sys.executable, "-c", ENTRY_POINT]
            notes.append("wsgen: its wheel, built from this checkout and unpacked (--from wheel)")
        else:
            notes.append("wsgen: this checkout's install (--from checkout)")
        render = [*wsgen, "render", *(["-f", str(args.values)] if args.values else [])]
        gateway = [*wsgen, "render", "-f", str(GATEWAY_VALUES)]
        wsgen_runs = {
            "plain": [render],
            "self-signed": [[*render, "--tls", "self-signed"]],
            "gateway": [gateway],
        }
        by_hand: dict[str, list[list[str]]] = {}
        if kubectl and openssl:
            kubeconfig = tmp / "kubeconfig"
            kubeconfig.write_text("")
            env["KUBECONFIG"] = str(kubeconfig)
            by_hand = stack_commands(kubectl, openssl, tmp)
        else:
            tools = (("kubectl", kubectl), ("openssl", openssl))
            missing = " and ".join(name for name, path in tools if not path)
            notes.append(f"{missing} not on PATH: timing only wsgen")
        variants = {f"wsgen {pair}": commands for pair, commands in wsgen_runs.items()}
        variants |= {f"kubectl {pair}": commands for pair, commands in by_hand.items()}
        times: dict[str, list[float]] = {label: [] for label in variants}
        # The warm-up: each wsgen command once, writing bytecode as a pip install does.
        warm = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
        notes.append(
            "warm-up: each wsgen command ran once first, writing __pycache__ (as pip does)"
        )
        try:
            for commands in wsgen_runs.values():
                run_timed(commands, warm)
            for _ in range(args.runs):
                for label, commands in variants.items():
                    times[label].append(run_timed(commands, env))
        except (RuntimeError, OSError) as exc:
            print(f"command failed: {exc}", file=sys.stderr)
            return 1

    stats = {label: summarise(t) for label, t in times.items()}
    ratios = {
        pair: round(stats[f"wsgen {pair}"]["median_ms"] / stats[f"kubectl {pair}"]["median_ms"], 2)
        for pair in by_hand
    }
    if args.json:
        report = {
            "values": str(args.values) if args.values else None,
            "variants": stats,
            "ratios": ratios,
            "must_be_below": 1.0,
            "target_ratio": 0.5,
            "notes": notes,
        }
        print(json.dumps(report, indent=2))
        return 0

    for note in notes:
        print(note)
    width = max(len(label) for label in stats)
    print(f"{'variant':<{width}}  {'median ms':>10}  {'min ms':>8}  {'runs':>4}")
    for label, s in stats.items():
        print(f"{label:<{width}}  {s['median_ms']:>10.1f}  {s['min_ms']:>8.1f}  {s['runs']:>4}")
    for pair, ratio in ratios.items():
        verdict = "ok" if ratio < 1.0 else "BEHIND kubectl"
        print(f"ratio {pair} (wsgen / kubectl): {ratio} ({verdict}; must be < 1.0, aim <= 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
