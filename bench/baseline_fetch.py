"""Baseline for `skred backfill`'s fetching: a sequential Python fetcher
with `requests` (one keep-alive session, one request after another, as a
plain Airflow task would do it) over the same URLs; bodies are read and
counted, not parsed or stored.

  baseline_fetch.py URLS_FILE

Prints "<requests> <bytes>"; exits 1 on the first answer that is not 200.
"""
import sys

import requests


def main():
    with open(sys.argv[1]) as f:
        urls = [ln.strip() for ln in f if ln.strip()]
    total = 0
    with requests.Session() as s:
        for url in urls:
            r = s.get(url, timeout=60)
            if r.status_code != 200:
                print("HTTP %d for %s" % (r.status_code, url), file=sys.stderr)
                return 1
            total += len(r.content)
    print(len(urls), total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
