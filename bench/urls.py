"""The request URLs skred makes for a date range, in its order: the range
cut into runs of RUN_DAYS (backfill's sched.backfill_days; for `fetch`, the
whole range is one run), each run into chunks of CHUNK_DAYS
(fetch.chunk_days), then by region and language.

  urls.py BASE FROM TO RUN_DAYS CHUNK_DAYS REGIONS LANGS [Detail|Simple]

REGIONS like 3001-3046, LANGS like 1,2.
"""
import datetime as dt
import sys


def main():
    base, f, t = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    run_days, chunk_days = int(sys.argv[4]), int(sys.argv[5])
    lo, _, hi = sys.argv[6].partition("-")
    regions = range(int(lo), int(hi or lo) + 1)
    langs = [int(x) for x in sys.argv[7].split(",")]
    kind = sys.argv[8] if len(sys.argv) > 8 else "Detail"
    first, last = dt.date.fromisoformat(f), dt.date.fromisoformat(t)
    one = dt.timedelta(days=1)
    run = first
    while run <= last:
        run_end = min(run + (run_days - 1) * one, last)
        c = run
        while c <= run_end:
            e = min(c + (chunk_days - 1) * one, run_end)
            for r in regions:
                for lang in langs:
                    print(f"{base}/AvalancheWarningByRegion/{kind}/{r}/"
                          f"{lang}/{c}/{e}")
            c = e + one
        run = run_end + one


if __name__ == "__main__":
    main()
