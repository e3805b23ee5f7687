"""Time `wsgen lint` on 10,000 Ingress documents against the YAML parser alone on the same file.

Every measurement is a whole process (start-up included), output sent to /dev/null:

  A  parse alone: python -c "yaml.load_all(..., Loader=CSafeLoader)" (libyaml's C parser,
     building the Python objects, as a linter that reads YAML the usual way would)
  B  wsgen lint --format json FILE (libyaml composes nodes, which keep line numbers; the rules
     run on those; the cyclic garbage collector is off while they are alive)
  C  A with the garbage collector off too, for a fair view of what B's trick is worth
  D  wsgen lint --fix --format json FILE on a fresh copy of the file each run (the copy is
     made before the clock starts): lint, the safe fixes (a quarter of the documents change),
     the changed documents composed again, every rule run again to check the result, and the
     atomic write

The file is generated: a mix of WebSocket and plain Ingresses, clean ones and ones with the
pitfalls wsgen finds, so the rules do real work. The variants are interleaved round-robin.
Targets: B and D within 3x of A.

Run from the repository root:

    .venv/bin/python benchmarks/lint_vs_parse.py [--runs 7] [--documents 10000] [--json]

It is a measurement, not a test: exit 0, or 1 if a command fails.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from render_vs_kubectl import run_timed, summarise, wsgen_command

PARSE = (
    "import sys, yaml\n"
    "loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)\n"
    "with open(sys.argv[1], encoding='utf-8') as f:\n"
    "    count = sum(1 for _ in yaml.load_all(f.read(), Loader=loader))\n"
)

DOCUMENT = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app-{n}
  namespace: team-{team}
  labels:
    app.kubernetes.io/name: app-{n}
  annotations:
{annotations}spec:
  ingressClassName: nginx
  tls:
    - hosts:
        - app-{n}.example.com
      secretName: app-{n}-tls
  rules:
    - host: app-{n}.example.com
      http:
        paths:
          - path: {path}
            pathType: Prefix
            backend:
              service:
                name: app-{n}
                port:
                  number: 8080
          - path: /api
            pathType: Prefix
            backend:
              service:
                name: api-{n}
                port:
                  name: http
"""
ANNOTATIONS = [
    '    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"\n'
    '    nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"\n',
    '    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600s"\n'
    "    nginx.ingress.kubernetes.io/websocket-services: app\n",
    "    nginx.ingress.kubernetes.io/proxy-body-size: 8m\n"
    '    nginx.ingress.kubernetes.io/ssl-redirect: "true"\n',
    '    nginx.ingress.kubernetes.io/affinity: "cookie"\n'
    "    nginx.ingress.kubernetes.io/configuration-snippet: |\n"
    "      proxy_set_header Upgrade $http_upgrade;\n",
]


def generate(path: Path, documents: int) -> None:
    parts = [
        DOCUMENT.format(
            n=n,
            team=n % 17,
            annotations=ANNOTATIONS[n % len(ANNOTATIONS)],
            path="/ws" if n % 2 else "/",
        )
        for n in range(documents)
    ]
    path.write_text("---\n".join(parts), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per variant (default 7)")
    parser.add_argument("--documents", type=int, default=10_000, help="Ingress documents")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args()
    if args.runs < 1 or args.documents < 1:
        parser.error("--runs and --documents must be at least 1")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSGEN_")}

    with tempfile.TemporaryDirectory(prefix="bench-lint-") as tmp:
        file = Path(tmp) / "ingresses.yaml"
        generate(file, args.documents)
        original = file.read_bytes()
        fixed = Path(tmp) / "fixed.yaml"
        variants = {
            "A parse alone (yaml.load_all, CSafeLoader)": [
                [sys.executable, "-c", PARSE, str(file)]
            ],
            "C parse alone, gc off": [
                [sys.executable, "-c", "import gc; gc.disable()\n" + PARSE, str(file)]
            ],
            "B wsgen lint --format json": [
                [*wsgen_command(), "lint", "--format", "json", "--fail-on", "error", str(file)]
            ],
            "D wsgen lint --fix --format json": [
                [*wsgen_command(), "lint", "--fix", "--format", "json", str(fixed)]
            ],
        }
        times: dict[str, list[float]] = {label: [] for label in variants}
        try:
            for _ in range(args.runs):
                for label, commands in variants.items():
                    fixed.write_bytes(original)  # D starts from the unfixed file every run
                    # lint exits 1 for its findings; that is not a failure here
                    times[label].append(run_timed(commands, env, ok=(0, 1)))
                if fixed.read_bytes() == original:
                    print("lint --fix changed nothing: the benchmark is wrong", file=sys.stderr)
                    return 1
        except (RuntimeError, OSError) as exc:
            print(f"command failed: {exc}", file=sys.stderr)
            return 1

    stats = {label: summarise(t) for label, t in times.items()}
    parse_ms, parse_nogc_ms, lint_ms, fix_ms = (s["median_ms"] for s in stats.values())
    ratio = round(lint_ms / parse_ms, 2)
    ratio_nogc = round(lint_ms / parse_nogc_ms, 2)
    ratio_fix = round(fix_ms / parse_ms, 2)
    rates = {label: round(args.documents / (s["median_ms"] / 1000)) for label, s in stats.items()}
    if args.json:
        print(
            json.dumps(
                {
                    "documents": args.documents,
                    "variants": stats,
                    "documents_per_second": rates,
                    "ratio_lint_over_parse": ratio,
                    "ratio_lint_over_parse_gc_off": ratio_nogc,
                    "ratio_fix_over_parse": ratio_fix,
                    "target_ratio": 3.0,
                },
                indent=2,
            )
        )
        return 0
    width = max(len(label) for label in stats)
    print(f"{args.documents} Ingress documents, {args.runs} runs each, whole processes")
    print(f"{'variant':<{width}}  {'median ms':>10}  {'min ms':>8}  {'docs/s':>8}")
    for label, s in stats.items():
        print(f"{label:<{width}}  {s['median_ms']:>10.1f}  {s['min_ms']:>8.1f}  {rates[label]:>8}")
    print(
        f"ratio (lint / parse alone) {ratio} (target <= 3); "
        f"against parse alone with gc off {ratio_nogc}"
    )
    print(f"ratio (lint --fix / parse alone) {ratio_fix} (target <= 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
