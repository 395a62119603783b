#!/usr/bin/env bash
# The map's region shapes (src/web/ui/regions.js) are what
# scripts/gen-regions.py makes of NVE's polygons (../shared/varsom/
# regions.geojson beside the clone, or $SKRED_SHARED/varsom/): regenerated
# here and compared byte for byte, so the committed asset cannot drift from
# its source or its generator. Also: one shape per region skred knows
# (model/regions.c), each a closed SVG path, and the file small.
. "$(dirname "$0")/lib.sh"
ASSET="$SRC/src/web/ui/regions.js"
SHARED=${SKRED_SHARED:-$SRC/../shared}
GEO="$SHARED/varsom/regions.geojson"
if [ -f "$GEO" ]; then
  python3 "$SRC/scripts/gen-regions.py" "$GEO" >"$T/regions.js" || fail "gen-regions.py failed"
  if cmp -s "$T/regions.js" "$ASSET"; then ok "regions.js is what gen-regions.py makes of $GEO"
  else fail "regions.js differs from gen-regions.py's output: regenerate it ($(diff "$T/regions.js" "$ASSET" | head -3 | tr '\n' ' '))"; fi
else
  # CI has ../shared beside the clone; a worktree elsewhere may not.
  echo "# no $GEO (set SKRED_SHARED): regeneration not compared"
fi
python3 - "$ASSET" "$SRC/src/model/regions.c" >"$T/shape.out" <<'PY' || true
import re, sys
js, rc = open(sys.argv[1], encoding="utf-8").read(), open(sys.argv[2], encoding="utf-8").read()
shapes = dict(re.findall(r'^(\d+): "([^"]*)",$', js, re.M))
known = set(re.findall(r'^\t\{(\d{4}), "', rc, re.M))
print("ids", "same" if set(shapes) == known else "differ: %s" % sorted(set(shapes) ^ known))
path = re.compile(r'^(M-?\d+(\.\d)?,-?\d+(\.\d)?(L-?\d+(\.\d)?,-?\d+(\.\d)?)+Z)+$')
bad = [k for k, d in shapes.items() if not path.match(d)]
print("paths", "ok" if not bad else "bad: %s" % bad)
print("count", len(shapes))
PY
check "one shape per region of model/regions.c" "ids same" "$(grep '^ids' "$T/shape.out")"
check "every shape a closed SVG path (M x,y L ... Z)" "paths ok" "$(grep '^paths' "$T/shape.out")"
check "46 shapes" "count 46" "$(grep '^count' "$T/shape.out")"
size=$(gzip -9c "$ASSET" | wc -c)
[ "$size" -le 40000 ] && ok "regions.js gzipped is small ($size bytes)" || fail "regions.js gzipped is $size bytes (> 40000)"
finish
