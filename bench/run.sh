#!/usr/bin/env bash
# The side-by-side benchmark (`make bench`), against tools/varsom-sim on
# 127.0.0.1, every comparison measured in the same run, interleaved (the
# order reversed on every other pair), min and median of BENCH_PAIRS runs:
#
#   process  `skred process` of the same >= 100 k Detail warnings (fetched
#            once; each run starts from a fresh copy of that bus.db, so
#            every run processes the same messages into an empty
#            warehouse) vs bench/baseline_process.py and the original
#            PySpark job (bench/baseline_spark.py), job time with and
#            without the JVM start-up, and vs SQLite's floor for the same
#            rows (bench/store_floor: the rows of skred's run inserted
#            alone into an empty warehouse, same schema and statements)
#   parse    $build/parse_bench on the same bytes, if it was built
#   archive  `skred backfill` of the whole archive, the simulator answering
#            after BENCH_LATENCY_MS, 4 requests in flight, vs curl
#            --parallel over the same URLs and a sequential Python
#            `requests` fetcher (bench/baseline_fetch.py); disk used after
#   daemon   `skred serve`: cold start to /readyz 200, idle RSS
#
# With BENCH_BEFORE=DIR (the build directory of another commit) every
# skred row is measured for both builds, interleaved, on the same data.
# Peak RSS from GNU time (%M). Prints one Markdown table on stdout;
# progress on stderr. Not part of the test suite.
#
# usage: bench/run.sh [BUILD_DIR]
# env:   BENCH_PAIRS (3)  BENCH_BEFORE  BENCH_FROM/BENCH_TO (2021-12-01,
#        2024-11-24)  BENCH_ARCHIVE=0 (skip the archive; it takes minutes)
#        BENCH_ARCHIVE_FROM/TO (2016-12-01, 2026-05-31)  BENCH_ARCHIVE_PAIRS
#        (BENCH_PAIRS)  BENCH_LATENCY_MS (20)  BENCH_SPARK=0 (skip PySpark)
#        BENCH_DAEMON_RUNS (5)  BENCH_VENV (~/.cache/skred/bench-venv)
#        BENCH_JAVA_HOME (Java 17 under /usr/lib/jvm)  BENCH_KEEP=1 (keep
#        the scratch directory)  TMPDIR
set -euo pipefail
build=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BD=$(cd "$build" && pwd)
SKRED=$BD/skred
SIM=$BD/varsom-sim
PAIRS=${BENCH_PAIRS:-3}
FROM=${BENCH_FROM:-2021-12-01}
TO=${BENCH_TO:-2024-11-24}
ARCHIVE=${BENCH_ARCHIVE:-1}
AFROM=${BENCH_ARCHIVE_FROM:-2016-12-01}
ATO=${BENCH_ARCHIVE_TO:-2026-05-31}
APAIRS=${BENCH_ARCHIVE_PAIRS:-$PAIRS}
LATENCY=${BENCH_LATENCY_MS:-20}
ACONC=4
DRUNS=${BENCH_DAEMON_RUNS:-5}
VENV=${BENCH_VENV:-$HOME/.cache/skred/bench-venv}
SPARK=${BENCH_SPARK:-1}
BSKRED=
if [ -n "${BENCH_BEFORE:-}" ]; then
	BSKRED=$(cd "$BENCH_BEFORE" && pwd)/skred
	[ -x "$BSKRED" ] || { echo "BENCH_BEFORE: no skred in $BENCH_BEFORE" >&2; exit 2; }
fi
for f in "$SKRED" "$SIM"; do
	[ -x "$f" ] || { echo "$f missing: build first (make build)" >&2; exit 2; }
done
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
command -v curl >/dev/null || { echo "needs curl" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/skred-bench.XXXXXX")
SIMS=()
cleanup() {
	local p
	for p in "${SIMS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${SIMS[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
RES=$W/results.tsv
META=$W/meta
: >"$RES"
: >"$META"
say() { echo "bench: $*" >&2; }
meta() { echo "$1=$2" >>"$META"; }
load() { uptime | sed 's/.*load average: *//'; }

# start_sim NAME ARGS...: a simulator on a free port; sets BASE.
start_sim() {
	local name=$1
	shift
	"$SIM" --quiet --port 0 --port-file "$W/$name.port" "$@" >/dev/null 2>&1 &
	SIMS+=($!)
	for _ in $(seq 200); do [ -s "$W/$name.port" ] && break; sleep 0.05; done
	[ -s "$W/$name.port" ] || { say "simulator $name did not start"; exit 1; }
	BASE="http://127.0.0.1:$(cat "$W/$name.port")/hydrology/forecast/avalanche/v6.3.0/api"
}

# measure SECTION LABEL RUN CMD...: wall, peak RSS and CPU of one command
# (GNU time), appended to the results; its stdout is left in $W/last.out.
measure() {
	local sec=$1 label=$2 run=$3 wall kb usr sys
	shift 3
	say "$sec: $label, run $run"
	if ! /usr/bin/time -f "%e %M %U %S" -o "$W/time" "$@" >"$W/last.out" 2>"$W/last.err"; then
		say "$sec: $label failed:"
		tail -20 "$W/last.err" >&2
		exit 1
	fi
	read -r wall kb usr sys <"$W/time"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sec" "$label" "$run" "$wall" "$kb" "$usr" "$sys" >>"$RES"
}

# row SECTION LABEL RUN WALL KB: a derived result (no CPU figure).
row() { printf '%s\t%s\t%s\t%s\t%s\t0\t0\n' "$@" >>"$RES"; }

# order I A B C...: the names, reversed when I is even (interleaving).
order() {
	local i=$1
	shift
	if [ $((i % 2)) = 0 ]; then
		local r=() k
		for ((k = $# ; k >= 1 ; k--)); do r+=("${!k}"); done
		echo "${r[@]}"
	else
		echo "$@"
	fi
}

# status_of DIR SKRED: "<messages on the raw topic> <warehouse warnings>".
status_of() {
	SKRED_DATA_DIR=$1 "$2" status 2>/dev/null | awk '
		$1 == "avalanche_region_warning" { end = $3 }
		$1 == "warehouse" { w = $3 }
		END { print end + 0, w + 0 }'
}

# disk_of DIR PREFIX: bytes of bus.db* and warehouse.db* into the meta.
disk_of() {
	local bus wh
	bus=$(cat "$1"/bus.db* 2>/dev/null | wc -c)
	wh=$(cat "$1"/warehouse.db* 2>/dev/null | wc -c)
	meta "disk_bus$2" "$bus"
	meta "disk_wh$2" "$wh"
	meta "disk_total$2" "$((bus + wh))"
}

cfg_int() { "$SKRED" config 2>/dev/null | awk -v k="$1" '$1 == k { print $3 }'; }
CHUNK=$(cfg_int fetch.chunk_days)
RUNDAYS=$(cfg_int sched.backfill_days)
[ -n "$CHUNK" ] && [ -n "$RUNDAYS" ] || { say "cannot read fetch.chunk_days/sched.backfill_days"; exit 1; }

export SKRED_LOG_LEVEL=warn SKRED_FETCH_MIN_INTERVAL_MS=0 SKRED_FETCH_CONCURRENCY=$ACONC

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
meta machine "$cpu, $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr), load $(load)"
meta cores "$(nproc)"
meta build "$BD ($("$SKRED" version 2>/dev/null | head -1))"
[ -z "$BSKRED" ] || meta before "$BSKRED ($("$BSKRED" version 2>/dev/null | head -1))"
meta from "$FROM"
meta to "$TO"

# --------------------------------------------- Python venv and Java 17
# pyspark 3.5: the line the original system ran (its jobs asked for
# Spark 3.3-3.5 packages); pip uses the machine's configured index.
PY=
want="import requests"
[ "$SPARK" = 0 ] || want="import requests, pyspark"
if ! "$VENV/bin/python" -c "$want" 2>/dev/null; then
	say "installing pyspark and requests into $VENV"
	{ [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" >&2; } &&
		"$VENV/bin/pip" install -q 'pyspark>=3.5,<3.6' requests >&2 ||
		say "pip install failed; the rows that need it are skipped"
fi
"$VENV/bin/python" -c 'import requests' 2>/dev/null && PY=$VENV/bin/python
JH=${BENCH_JAVA_HOME:-$(find /usr/lib/jvm -maxdepth 1 -name "java-17-openjdk-*" 2>/dev/null | sort | head -1)}
if [ "$SPARK" = 0 ]; then
	meta spark_skipped "skipped (BENCH_SPARK=0)"
elif [ -z "$PY" ] || ! "$PY" -c 'import pyspark' 2>/dev/null; then
	meta spark_skipped "skipped: no pyspark in $VENV"
	SPARK=0
elif [ ! -x "$JH/bin/java" ]; then
	meta spark_skipped "skipped: no Java 17 under /usr/lib/jvm (BENCH_JAVA_HOME)"
	SPARK=0
fi

# ------------------------------------------------- the process data set
meta load_process_before "$(load)"
start_sim data
export SKRED_VARSOM_URL=$BASE
SKRED_DATA_DIR=$W/tpl measure fetch skred 1 \
	"$SKRED" fetch --regions all --lang both --from "$FROM" --to "$TO"
if [ -n "$BSKRED" ]; then
	SKRED_DATA_DIR=$W/tpl-before measure fetch "skred (before)" 1 \
		"$BSKRED" fetch --regions all --lang both --from "$FROM" --to "$TO"
fi
# The same requests with curl, bodies kept: the JSON-lines export of the
# very bytes skred stored (elements sliced out of the same responses).
python3 "$SRC/bench/urls.py" "$BASE" "$FROM" "$TO" 1000000 "$CHUNK" 3001-3046 1,2 >"$W/urls"
mkdir -p "$W/bodies"
awk -v d="$W/bodies" '{ print "url = \"" $0 "\"\noutput = \"" d "/" NR ".json\"" }' "$W/urls" >"$W/curl.cfg"
measure fetch curl 1 curl -sS --fail --no-progress-meter --parallel --parallel-max "$ACONC" -K "$W/curl.cfg"
find "$W/bodies" -name '*.json' | sort -V | python3 "$SRC/bench/export_jsonl.py" "$W/messages.jsonl" - >"$W/export.out"
rm -rf "$W/bodies"
read -r n json_bytes <"$W/export.out"
meta n "$n"
meta json_bytes "$json_bytes"
read -r bus_n _ < <(status_of "$W/tpl" "$SKRED")
[ "$bus_n" = "$n" ] || say "warning: the bus holds $bus_n messages, the export $n"
kill "${SIMS[-1]}" 2>/dev/null || true

# ------------------------------------------------------------- process
# copy_fresh TEMPLATE DIR: the fetched bus.db, never consumed (no
# committed offsets), in an otherwise empty data directory.
copy_fresh() { rm -rf "$2" && mkdir -p "$2" && cp -a "$1/." "$2/"; }
names=(skred)
[ -z "$BSKRED" ] || names+=(before)
names+=(python)
[ "$SPARK" = 0 ] || names+=(spark)
# The storage floor (bench/store_floor): the rows the skred run of pair 1
# wrote, inserted again into an empty warehouse, inserts alone timed.
# Last, so that on pair 1 (in order) the skred run has made its warehouse.
[ ! -x "$BD/store_floor" ] || names+=(floor)
for ((i = 1 ; i <= PAIRS ; i++)); do
	for name in $(order "$i" "${names[@]}"); do
		case $name in
		skred)
			copy_fresh "$W/tpl" "$W/run"
			SKRED_DATA_DIR=$W/run measure process skred "$i" "$SKRED" process
			if [ "$i" = 1 ]; then
				read -r _ stored < <(status_of "$W/run" "$SKRED")
				meta stored "$stored"
			fi
			rm -rf "$W/daemon" && mv "$W/run" "$W/daemon" ;;
		before)
			copy_fresh "$W/tpl-before" "$W/run"
			SKRED_DATA_DIR=$W/run measure process "skred (before)" "$i" "$BSKRED" process
			if [ "$i" = 1 ]; then
				read -r _ stored < <(status_of "$W/run" "$BSKRED")
				meta stored_before "$stored"
			fi
			rm -rf "$W/daemon-before" && mv "$W/run" "$W/daemon-before" ;;
		python)
			rm -f "$W/py.db"*
			measure process python "$i" python3 "$SRC/bench/baseline_process.py" "$W/messages.jsonl" "$W/py.db" ;;
		spark)
			rm -rf "$W/spark.out" "$W/spark-tmp"
			mkdir -p "$W/spark-tmp"
			JAVA_HOME=$JH SPARK_LOCAL_DIRS=$W/spark-tmp measure process pyspark "$i" \
				env -C "$W/spark-tmp" "$PY" "$SRC/bench/baseline_spark.py" "$W/messages.jsonl" "$W/spark.out"
			job=$("$PY" -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(d["job_s"], d["rows"])' "$W/last.out")
			read -r job_s rows <<<"$job"
			[ "$rows" = "$n" ] || say "warning: PySpark wrote $rows rows of $n"
			row process "pyspark job" "$i" "$job_s" "$(awk '{print $2}' "$W/time")" ;;
		floor)
			rm -rf "$W/floor"
			measure process "floor load" "$i" "$BD/store_floor" "$W/daemon" "$W/floor"
			read -r _ frows fsecs <"$W/last.out"
			meta floor_rows "$frows"
			row process "storage floor" "$i" "$fsecs" "$(awk '{print $2}' "$W/time")"
			rm -rf "$W/floor" ;;
		esac
	done
done
meta load_process_after "$(load)"
rm -rf "$W/spark.out" "$W/spark-tmp" "$W/py.db"* "$W/tpl" "$W/tpl-before"

# --------------------------------------------------------------- parse
PARSE_MD=$W/parse.md
if [ -x "$BD/parse_bench" ]; then
	say "parse: $BD/parse_bench"
	"$BD/parse_bench" "$W/messages.jsonl" >"$PARSE_MD" 2>"$W/parse.err" ||
		echo "parse_bench failed: $(tail -3 "$W/parse.err")" >"$PARSE_MD"
else
	echo "parse-only rate: $BD/parse_bench is missing (built by the parser comparison, issue 12 item 1)" >"$PARSE_MD"
fi

# ------------------------------------------------------------- archive
if [ "$ARCHIVE" = 0 ]; then
	meta archive_skipped "skipped (BENCH_ARCHIVE=0)"
	echo "bench: full-archive backfill skipped (BENCH_ARCHIVE=0)" >&2
else
	meta load_archive_before "$(load)"
	start_sim archive --latency-ms "$LATENCY"
	export SKRED_VARSOM_URL=$BASE
	python3 "$SRC/bench/urls.py" "$BASE" "$AFROM" "$ATO" "$RUNDAYS" "$CHUNK" 3001-3046 1,2 >"$W/aurls"
	awk '{ print "url = \"" $0 "\"\noutput = \"/dev/null\"" }' "$W/aurls" >"$W/acurl.cfg"
	meta archive_requests "$(wc -l <"$W/aurls")"
	meta latency_ms "$LATENCY"
	meta archive_concurrency "$ACONC"
	anames=(skred)
	[ -z "$BSKRED" ] || anames+=(before)
	anames+=(curl)
	[ -z "$PY" ] || anames+=(python)
	[ -n "$PY" ] || meta python_fetch_skipped "no requests in $VENV"
	for ((i = 1 ; i <= APAIRS ; i++)); do
		for name in $(order "$i" "${anames[@]}"); do
			case $name in
			skred | before)
				bin=$SKRED label=skred tag=
				[ "$name" = skred ] || { bin=$BSKRED label="skred (before)" tag=_before; }
				rm -rf "$W/arch"
				SKRED_DATA_DIR=$W/arch measure archive "$label" "$i" \
					"$bin" backfill --regions all --lang both --from "$AFROM" --to "$ATO"
				disk_of "$W/arch" "$tag"
				read -r _ stored < <(status_of "$W/arch" "$bin")
				meta "archive_n$tag" "$stored"
				rm -rf "$W/arch" ;;
			curl)
				measure archive curl "$i" curl -sS --fail --no-progress-meter --parallel \
					--parallel-max "$ACONC" -K "$W/acurl.cfg" -w '%{size_download}\n'
				meta archive_json_bytes "$(awk '{ s += $1 } END { print s }' "$W/last.out")" ;;
			python)
				measure archive python "$i" "$PY" "$SRC/bench/baseline_fetch.py" "$W/aurls" ;;
			esac
		done
	done
	kill "${SIMS[-1]}" 2>/dev/null || true
	meta load_archive_after "$(load)"
fi

# -------------------------------------------------------------- daemon
meta load_daemon_before "$(load)"
dnames=(skred)
[ -z "$BSKRED" ] || dnames+=(before)
# Twice per build: on the processed 100 k warehouse of the process
# section (a restart), and on a new, empty data directory (first start).
for ((i = 1 ; i <= DRUNS ; i++)); do
	for name in $(order "$i" "${dnames[@]}"); do
		bin=$SKRED label=skred dir=$W/daemon
		[ "$name" = skred ] || { bin=$BSKRED label="skred (before)" dir=$W/daemon-before; }
		for kind in full empty; do
			d=$dir lb=$label
			if [ "$kind" = empty ]; then
				d=$W/empty-$name-$i lb="$label, empty"
			fi
			say "daemon: $lb, run $i"
			read -r ms kb < <(python3 "$SRC/bench/daemon.py" "$bin" "$d")
			row daemon "$lb" "$i" "$(awk -v m="$ms" 'BEGIN { print m / 1000 }')" "$kb"
		done
	done
done
meta load_daemon_after "$(load)"

python3 "$SRC/bench/report.py" "$RES" "$META" "$PARSE_MD"
echo
cat "$PARSE_MD"
