# Sourced by the scripts that measure: what they share to report.

# The median of the numbers on stdin, one per line.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# Puts table file $2 into docs/benchmarks.md between its marker lines
# "<!-- $1: begin -->" and "<!-- $1: end -->", if it has them.
into_benchmarks_doc() {
  local doc=docs/benchmarks.md begin="<!-- $1: begin -->" end="<!-- $1: end -->" spliced
  grep -qF "$begin" "$doc" || return 0
  spliced=$(mktemp)
  awk -v b="$begin" -v e="$end" -v table="$2" '
    $0 == b { print; while ((getline line < table) > 0) print line; skip = 1; next }
    $0 == e { skip = 0 }
    !skip' "$doc" >"$spliced"
  cat "$spliced" >"$doc"
  rm -f "$spliced"
}
