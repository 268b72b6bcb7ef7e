"""A long fuzz campaign over every parser: N inputs (default 100,000) spread over the targets,
random bytes and real corpus files mutated at random (seeded). Prints inputs and failures
per parser; any exception is a failure, with the first input saved for a regression test.

    python benchmarks/fuzz_campaign.py [N] [SEED]
"""

from __future__ import annotations

import os
import random
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from fuzz_targets import TARGETS  # noqa: E402

CORPUS = Path(os.environ.get("MLPERF_CORPUS", ROOT.parent / "shared" / "corpus"))


def mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not buf:
            break
        i = rng.randrange(len(buf))
        op = rng.random()
        if op < 0.25:
            del buf[i:]
        elif op < 0.6:
            buf[i] = rng.randrange(256)
        elif op < 0.8:
            buf[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 30)))
        else:
            lines = bytes(buf).split(b"\n")
            j = rng.randrange(len(lines))
            lines.insert(j, lines[j]) if rng.random() < 0.5 else lines.pop(j)
            buf = bytearray(b"\n".join(lines))
    return bytes(buf)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    from test_fuzz import SEEDS

    seeds = {t: [f.read_bytes()[:100_000] for f in sorted(CORPUS.glob(SEEDS[t]))[:20]] or [b""] for t in TARGETS}
    per = n // len(TARGETS)
    total_fail = 0
    started = time.perf_counter()
    for name, parse in TARGETS.items():
        failures, first = 0, None
        t0 = time.perf_counter()
        for k in range(per):
            data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300))) if k % 4 == 0 else mutate(rng, rng.choice(seeds[name]))
            try:
                parse(data)
            except Exception:
                failures += 1
                if first is None:
                    first = (data, traceback.format_exc(limit=3))
        total_fail += failures
        print(f"  {name:<38} {per:>7,} inputs  {failures:>5} failures  {time.perf_counter() - t0:6.1f} s", flush=True)
        if first:
            out = ROOT / f"fuzz-failure-{name.split()[0]}.bin"
            out.write_bytes(first[0])
            print(f"    first failure saved to {out.name}:\n{first[1]}")
    print(f"{per * len(TARGETS):,} inputs, {total_fail} failures, {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
