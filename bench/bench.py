"""Benchmark for the runbook compiler (placeholder until the real benchmark is written)."""


def main() -> int:
    print("bench: not written yet")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
