"""Prints bench/run.sh's results as one Markdown table, with the machine,
the load around each section and the fractions of the physical limits.

  report.py RESULTS.tsv META [PARSE.md]

PARSE.md: parse_bench's Markdown table; in its first column whose header
says "warnings/s" (or else "/s"), the figure of the row marked "chosen",
"skred" or "*" (else the fastest) is taken as the parse-only rate.

RESULTS.tsv rows: section, label, run, wall s, peak RSS KiB, user s,
system s. META: key=value lines written by run.sh.
"""
import re
import statistics
import sys
from collections import OrderedDict


def load(path_results, path_meta):
    rows = OrderedDict()
    with open(path_results) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 7:
                continue
            key = (p[0], p[1])
            rows.setdefault(key, []).append(
                dict(wall=float(p[3]), kb=int(float(p[4])),
                     cpu=float(p[5]) + float(p[6])))
    meta = {}
    with open(path_meta) as f:
        for line in f:
            k, sep, v = line.rstrip("\n").partition("=")
            if sep:
                meta[k] = v
    return rows, meta


def fnum(x, nd=1):
    if x is None:
        return ""
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:,.{nd}f}"


def mib(kb):
    return kb / 1024.0


class Report:
    def __init__(self, rows, meta):
        self.rows, self.meta = rows, meta
        self.out = []

    def stat(self, sec, label):
        r = self.rows.get((sec, label))
        if not r:
            return None
        walls = [x["wall"] for x in r]
        return dict(n=len(r), min=min(walls), med=statistics.median(walls),
                    cpu=statistics.median([x["cpu"] for x in r]),
                    kb=max(x["kb"] for x in r))

    def labels(self, sec):
        return [lb for (s, lb) in self.rows if s == sec]

    def row(self, *cells):
        self.out.append("| " + " | ".join(cells) + " |")

    def timed(self, sec, label, what, n, ref=None, note=""):
        s = self.stat(sec, label)
        if not s:
            return None
        rate = n / s["med"] if n and s["med"] > 0 else None
        per_cpu = n / s["cpu"] if n and s["cpu"] > 0 else None
        cmp = note
        if ref and not note and ref["med"] > 0:
            cmp = f"{s['med'] / ref['med']:.2f}× skred's time"
        self.row(sec, what, str(s["n"]),
                 f"{s['min']:.2f} / {s['med']:.2f}",
                 fnum(rate, 0), fnum(per_cpu, 0), fnum(mib(s["kb"])), cmp)
        return s

    def render(self):
        m = self.meta
        self.out.append(f"machine: {m.get('machine', '?')}")
        self.out.append(f"skred: {m.get('build', '?')}"
                        + (f"; before: {m['before']}" if m.get("before")
                           else "; before: none (BENCH_BEFORE unset)"))
        self.out.append(
            f"process data: {m.get('n', '?')} Detail warnings, "
            f"{int(m.get('json_bytes', 0)) / 1e6:.1f} MB of JSON "
            f"({m.get('from')}..{m.get('to')}, all regions, both "
            f"languages), each skred run from a fresh copy of the "
            f"fetched bus.db (offsets at the start); stored "
            f"{m.get('stored', '?')}"
            + (f", before stored {m['stored_before']}"
               if m.get("stored_before") else ""))
        for sec in ("process", "archive", "daemon"):
            if m.get(f"load_{sec}_before"):
                self.out.append(f"load {sec}: before "
                                f"{m[f'load_{sec}_before']}; after "
                                f"{m.get(f'load_{sec}_after', '?')}")
        self.out.append("")
        self.row("section", "what", "runs", "time s min / median",
                 "warnings/s", "per CPU-s", "peak RSS MiB", "compared")
        self.row(*["---"] * 8)
        n = int(m.get("n", 0) or 0)

        ref = self.stat("process", "skred")
        before = self.stat("process", "skred (before)")
        if ref:
            note = ""
            if before:
                note = (f"{before['med'] / ref['med']:.2f}× the speed of "
                        "before")
            self.timed("process", "skred", "skred process -> warehouse "
                       "(six tables, revisions, validation)", n,
                       note=note)
        if before:
            self.timed("process", "skred (before)",
                       "skred process, the BENCH_BEFORE build", n, ref)
        for label, what in (
                ("python", "bench/baseline_process.py (json + sqlite "
                 "executemany, main columns only)"),
                ("pyspark job", "PySpark job only (from_json schema, "
                 "renames, UUID UDF, local[2], Parquet)"),
                ("pyspark", "PySpark whole process (+ JVM, session "
                 "start-up)")):
            s = self.stat("process", label)
            if s and ref:
                self.timed("process", label, what, n,
                           note=f"skred runs {s['med'] / ref['med']:.2f}× "
                           "its speed")
            elif s:
                self.timed("process", label, what, n)
        fl = self.stat("process", "storage floor")
        if fl:
            self.timed("process", "storage floor",
                       "storage floor: the same "
                       f"{m.get('floor_rows', '?')} rows inserted alone "
                       "(bench/store_floor, same schema and statements)",
                       n, note=(f"skred reaches {fl['med'] / ref['med']:.0%}"
                                " of it" if ref else ""))
        if m.get("spark_skipped"):
            self.row("process", "PySpark", "0", "", "", "", "",
                     m["spark_skipped"])

        fref = self.stat("fetch", "skred")
        for label, what in (
                ("skred", "skred fetch -> bus (no latency, data set-up)"),
                ("skred (before)", "skred fetch, the BENCH_BEFORE build"),
                ("curl", "curl --parallel-max 4, same URLs, bodies to "
                 "files")):
            s = self.stat("fetch", label)
            if not s:
                continue
            note = ""
            if fref and label == "curl":
                note = f"skred takes {fref['med'] / s['med']:.2f}× curl's"
            elif fref and label != "skred":
                note = f"{s['med'] / fref['med']:.2f}× skred's time"
            self.timed("fetch", label, what, n, note=note)

        an = int(m.get("archive_n", 0) or 0)
        if m.get("archive_skipped"):
            self.row("archive", "full-archive backfill", "0", "", "", "",
                     "", m["archive_skipped"])
        aref = self.stat("archive", "skred")
        req = int(m.get("archive_requests", 0) or 0)
        lat = float(m.get("latency_ms", 0) or 0)
        conc = int(m.get("archive_concurrency", 4) or 4)
        floor = req * lat / 1000.0 / conc if req else None
        seq_floor = req * lat / 1000.0 if req else None
        for label, what, fl in (
                ("skred", "skred backfill (fetch + process, ledger)",
                 floor),
                ("skred (before)", "skred backfill, the BENCH_BEFORE build",
                 floor),
                ("curl", f"curl --parallel --parallel-max {conc}, same "
                 "URLs, bodies discarded", floor),
                ("python", "bench/baseline_fetch.py: requests, one after "
                 "another, download only", seq_floor)):
            s = self.stat("archive", label)
            if not s:
                continue
            note = f"floor {fl:.1f} s = {fl / s['med']:.0%} of it" \
                if fl else ""
            if aref and label != "skred":
                note = f"{s['med'] / aref['med']:.2f}× skred's time; " + note
            self.timed("archive", label, what, an, note=note)
        if floor:
            self.row("archive", f"network floor: {req} requests × "
                     f"{lat:g} ms / {conc} in flight", "", f"{floor:.1f}",
                     fnum(an / floor, 0) if an else "", "", "", "")
        for tag, label in (("", "skred"), ("_before", "skred (before)")):
            if m.get(f"disk_total{tag}"):
                tot = int(m[f"disk_total{tag}"])
                js = int(m.get("archive_json_bytes", 0) or 0)
                frac = f"{tot / js:.2f}× the JSON" if js else ""
                self.row("disk", f"{label}: bus.db {int(m[f'disk_bus{tag}']) / 1e6:.0f} MB"
                         f" + warehouse.db {int(m[f'disk_wh{tag}']) / 1e6:.0f} MB"
                         f" after the backfill",
                         "", "", "", "", f"{tot / 1e6:.0f} MB",
                         f"{frac} ({js / 1e6:.0f} MB of JSON)")

        for label, what in (("skred", "skred serve on the processed "
                             "warehouse: cold start to /readyz 200; idle "
                             "RSS"),
                            ("skred, empty", "skred serve, new empty "
                             "data directory"),
                            ("skred (before)", "skred serve on the processed "
                             "warehouse, the BENCH_BEFORE build"),
                            ("skred (before), empty", "skred serve, empty "
                             "data directory, the BENCH_BEFORE build")):
            r = self.rows.get(("daemon", label))
            if not r:
                continue
            ms = [x["wall"] * 1000 for x in r]
            rss = [mib(x["kb"]) for x in r]
            self.row("daemon", what, str(len(r)),
                     f"{min(ms):.1f} / {statistics.median(ms):.1f} ms",
                     "", "", f"{statistics.median(rss):.1f} (idle)",
                     "goals: ≤ 50 ms, ≤ 15 MiB")

        self.out.append("")
        self.limits(ref, aref, floor, n)
        return "\n".join(self.out)

    def limits(self, ref, aref, floor, n):
        m = self.meta
        lines = []
        if aref and floor:
            lines.append(f"- backfill reaches {floor / aref['med']:.0%} of "
                         f"the network floor ({floor:.1f} s); peak RSS "
                         f"{mib(aref['kb']):.0f} MiB")
        cref = self.stat("archive", "curl")
        if aref and cref:
            lines.append(f"- backfill (fetch + process) takes "
                         f"{aref['med'] / cref['med']:.2f}× curl's fetch-"
                         "only time")
        parse = m.get("parse_rate")
        if ref and parse:
            rate = n / ref["med"]
            lines.append(f"- process runs at {rate:,.0f} warnings/s = "
                         f"{rate / float(parse):.0%} of the parse-only rate "
                         f"({float(parse):,.0f}/s, {m.get('parse_which')})")
        elif ref:
            lines.append("- parse-only fraction: no parse-only rate "
                         "(see below)")
        fl = self.stat("process", "storage floor")
        if ref and fl:
            lines.append(f"- process takes {ref['med'] / fl['med']:.2f}× "
                         "SQLite's floor for its rows (the inserts alone, "
                         f"{fl['med']:.2f} s)")
        if ref:
            cpu = ref["cpu"] / ref["med"] if ref["med"] else 0
            lines.append(f"- skred process used {cpu:.2f} CPU-s per wall-s "
                         f"(of {m.get('cores', '?')} cores)")
        if lines:
            self.out.append("limits:")
            self.out.extend(lines)


def parse_rate(path):
    """(rate, row name) from parse_bench's table, or (None, None)."""
    try:
        lines = [ln.strip() for ln in open(path) if ln.strip()]
    except OSError:
        return None, None
    table = [ln for ln in lines if ln.startswith("|")]
    if len(table) < 3:
        return None, None
    head = [c.strip().lower() for c in table[0].strip("|").split("|")]
    col = next((i for i, h in enumerate(head) if "warnings/s" in h), None)
    if col is None:
        col = next((i for i, h in enumerate(head) if "/s" in h), None)
    if col is None:
        return None, None
    best = (None, None)
    chosen = (None, None)
    for ln in table[2:]:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        if col >= len(cells):
            continue
        num = re.sub(r"[^0-9.]", "", cells[col].replace(",", ""))
        try:
            v = float(num)
        except ValueError:
            continue
        which = f"{cells[0]}, column '{head[col]}'"
        if best[0] is None or v > best[0]:
            best = (v, which)
        if re.search(r"chosen|skred|\*", ln, re.I) and chosen[0] is None:
            chosen = (v, which)
    return chosen if chosen[0] is not None else best


def main():
    rows, meta = load(sys.argv[1], sys.argv[2])
    if len(sys.argv) > 3:
        rate, which = parse_rate(sys.argv[3])
        if rate:
            meta["parse_rate"], meta["parse_which"] = str(rate), which
    print(Report(rows, meta).render())


if __name__ == "__main__":
    main()
