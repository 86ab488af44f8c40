#!/usr/bin/env bash
# Time-boxed coverage-guided fuzzing of the file parsers: ./build.sh fuzz [TARGET|all] [SECONDS]
# (or fuzz/run.sh after a native build). Builds fuzz/NativeNN.Fuzz into build/fuzz/bin, instruments
# NativeNN.dll with SharpFuzz, then runs afl-fuzz on each target for SECONDS (default 120) starting
# from fuzz/corpus/TARGET. Findings go to build/fuzz/findings/TARGET; each crash input is also
# copied to fuzz/regressions/TARGET/ under its SHA-1, where the test suite replays it, so a crash
# stays a failing test until the parser is fixed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
targets=(idx fashion-json safetensors optimizer-state)
target=${1:-all}
seconds=${2:-120}
if [ "$target" = all ]; then
  selected=("${targets[@]}")
elif printf '%s\n' "${targets[@]}" | grep -qx -- "$target"; then
  selected=("$target")
else
  echo "unknown fuzz target '$target'; the targets are: ${targets[*]} (or all)" >&2
  exit 2
fi
command -v afl-fuzz >/dev/null || { echo "afl-fuzz is missing: apt-get install afl++ (./build.sh fuzz installs it)" >&2; exit 1; }
[ -f build/native/lib/libnativenn.so ] || { echo "build the native core first (./build.sh build)" >&2; exit 1; }

output=build/fuzz/bin
rm -rf "$output"
dotnet build fuzz/NativeNN.Fuzz/NativeNN.Fuzz.csproj -c Release -o "$output" --nologo --verbosity quiet
(cd fuzz && dotnet tool restore >/dev/null && dotnet tool run sharpfuzz "$root/$output/NativeNN.dll" NativeNN.Data NativeNN.IO NativeNN.Optim)

# afl-fuzz expects a compiled, instrumented binary; here the instrumentation is in the .NET
# assembly and SharpFuzz speaks the fork-server protocol, so its binary check does not apply.
# The machine is shared, so no CPU binding and no complaints about the CPU governor.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 \
  AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FORKSRV_INIT_TMOUT=60000
status=0
for name in "${selected[@]}"; do
  findings=build/fuzz/findings/$name
  rm -rf "$findings"
  mkdir -p "$findings"
  printf '\n== fuzzing %s for %s s\n' "$name" "$seconds" >&2
  set +e
  afl-fuzz -i "fuzz/corpus/$name" -o "$findings" -V "$seconds" -t 5000 -m none \
    -- dotnet "$output/NativeNN.Fuzz.dll" "$name" >"$findings/afl.log" 2>&1
  code=$?
  set -e
  stats=$findings/default/fuzzer_stats
  if [ ! -f "$stats" ]; then
    echo "afl-fuzz did not start (exit $code); the end of its log:" >&2
    tail -n 30 "$findings/afl.log" >&2
    status=1
    continue
  fi
  field() { sed -n "s/^$1 *: *//p" "$stats"; }
  crashes=0
  mkdir -p "fuzz/regressions/$name"
  for crash in "$findings"/default/crashes/id:*; do
    [ -e "$crash" ] || continue
    cp "$crash" "fuzz/regressions/$name/$(sha1sum "$crash" | cut -c1-16)"
    crashes=$((crashes + 1))
  done
  for hang in "$findings"/default/hangs/id:*; do
    [ -e "$hang" ] || continue
    cp "$hang" "fuzz/regressions/$name/hang-$(sha1sum "$hang" | cut -c1-16)"
    crashes=$((crashes + 1))
  done
  echo "$name: $(field execs_done) executions in $(field run_time) s ($(field execs_per_sec)/s), $(field corpus_count) inputs in the queue, $(field bitmap_cvg) of the map, $crashes crashes or hangs"
  [ "$crashes" -eq 0 ] || status=1
done
exit $status
