# Sourced by the test scripts: `check NAME COMMAND...` runs a check and prints
# one PASS/FAIL line; $passed and $failed count them for the summary line.
passed=0 failed=0
check() {
  local name=$1
  shift
  if "$@"; then
    echo "PASS $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    failed=$((failed + 1))
  fi
}
