"""Parse floor: our Justel parser against lxml's bare parse of the same bytes.

Usage:  python benchmarks/parse_floor.py [--repeat N]

Reads the real 906 KB Code pénal page from the recordings
($WATCHER_FIXTURES, default ../shared/fixtures), times both in the same run
(median of N), measures each one's peak memory in a fresh process, prints a
table and ends with one ``name=value`` line.  Target: ratio <= 3.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("WATCHER_FIXTURES", ROOT.parent / "shared" / "fixtures"))
PAGE = FIXTURES / "ejustice" / "justel_old2018_code_penal_1867060801_fr.html"

_MEMORY_CHILD = """
import sys
data = open(sys.argv[2], "rb").read()
import lxml.html
from watcher.sources.justel import parse_law

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

# Writing 5 to clear_refs resets the peak (VmHWM) to the current RSS (Linux).
open("/proc/self/clear_refs", "w").write("5")
before = hwm()
result = lxml.html.document_fromstring(data) if sys.argv[1] == "lxml" else parse_law(data)
print(hwm() - before)
"""


def _interleaved(a, b, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Medians of ``a`` and ``b`` timed alternately, so that the machine's
    changing speed (frequency, caches, neighbours) weighs on both alike."""
    a(), b()  # warm up
    ta, tb = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        a()
        ta.append(time.perf_counter() - t)
        t = time.perf_counter()
        b()
        tb.append(time.perf_counter() - t)
    return statistics.median(ta), statistics.median(tb)


def _peak_kib(which: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_CHILD, which, str(PAGE)], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=41)
    args = parser.parse_args()
    if not PAGE.exists():
        print(f"recording not found: {PAGE} (set WATCHER_FIXTURES)", file=sys.stderr)
        return 2
    import lxml.html

    from watcher.sources.justel import parse_law

    data = PAGE.read_bytes()
    floor, ours = _interleaved(lambda: lxml.html.document_fromstring(data), lambda: parse_law(data), args.repeat)
    law = parse_law(data)
    ratio = ours / floor
    mem_floor, mem_ours = _peak_kib("lxml"), _peak_kib("ours")
    print(f"page: {PAGE.name} ({len(data):,} bytes, {len(law.articles)} articles), median of {args.repeat}")
    print(f"{'':28}{'time (ms)':>12}{'peak memory growth (KiB)':>26}")
    print(f"{'lxml.html bare parse':28}{floor * 1000:12.1f}{mem_floor:26,}")
    print(f"{'watcher parse_law':28}{ours * 1000:12.1f}{mem_ours:26,}")
    print(f"ratio {ratio:.2f} (target <= 3)")
    print(
        f"parse_floor_ratio={ratio:.2f} parse_ms={ours * 1000:.1f} lxml_ms={floor * 1000:.1f} "
        f"parse_peak_kib={mem_ours} lxml_peak_kib={mem_floor} articles={len(law.articles)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
