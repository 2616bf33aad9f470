"""``make eval``: extraction against the hand-labelled documents of ``../shared/labelled``.

Prints per document (worst first) and in total: code recall and precision, entries
within tolerance, procedures with the exact step count, jumps, commands; then what each
document missed. ``--update-floor`` raises the ratchet that ``tests/test_eval.py`` holds
(a total never goes down there without a test failing).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compiler.evaluate import evaluate, report, totals  # noqa: E402

LABELLED = ROOT.parent / "shared" / "labelled"
FLOOR = ROOT / "tests" / "eval_floor.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", type=Path, default=LABELLED, help="the labelled set")
    parser.add_argument("--only", action="append", default=[], help="documents whose path has this")
    parser.add_argument("--brief", action="store_true", help="the table and totals only")
    parser.add_argument(
        "--update-floor", action="store_true", help=f"raise {FLOOR.relative_to(ROOT)} to today"
    )
    args = parser.parse_args(argv)
    if not (args.labelled / "truth.json").is_file():
        print(
            f"eval: no labelled set at {args.labelled} (truth.json missing): nothing measured. "
            "It lives in the shared folder beside the checkout (../shared/labelled).",
            file=sys.stderr,
        )
        return 2
    scores = evaluate(args.labelled, only=args.only)
    for line in report(scores, detail=not args.brief):
        print(line)
    if args.update_floor:
        if args.only:
            print("eval: --update-floor needs the whole set (no --only)", file=sys.stderr)
            return 2
        current = totals(scores).as_dict()
        old = json.loads(FLOOR.read_text("utf-8")) if FLOOR.exists() else {}
        # Rounded down, so the floor never sits above what was measured.
        floor = {
            name: math.floor(max(value, old.get(name, 0.0)) * 10000) / 10000
            for name, value in current.items()
            if name not in ("documents", "crashed")
        }
        floor["crashed"] = current["crashed"]
        FLOOR.write_text(json.dumps(floor, indent=2, sort_keys=True) + "\n", "utf-8")
        print(f"eval: floor written to {FLOOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
