// ./build.sh bench torchsharp runs this: the LeNet-5 step, GEMM 1024 and the five conv shapes on
// NativeNN's backends and on TorchSharp in one BenchmarkDotNet run, AVX-512 the baseline.
// --check-conv compares libtorch's conv gradients with NativeNN's instead.
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Running;
using NativeNN.Benchmarks;
using NativeNN.Benchmarks.Peers;

if (args is ["--check-conv"])
{
    return ConvolutionCheck.Run();
}
var options = SuiteConfiguration.Parse(args,
    [.. BenchmarkBackend.NativeNN.Where(name => name != BenchmarkBackend.Reference), TorchBackend.Name]);
// libtorch's bundled oneDNN has given wrong conv input gradients on this CPU (Zen 5) at its
// AVX-512 level; AVX is the level it runs correctly at here (see README.md and --check-conv).
var config = (ManualConfig)SuiteConfiguration.Create(options,
    backend => backend == TorchBackend.Name ? [("ONEDNN_MAX_CPU_ISA", "AVX")] : [],
    shortSet: benchmarkCase => benchmarkCase.Parameters.Items.All(item => item.Name != "Threads" || (int)item.Value! == 1));
config.AddFilter(new SimpleFilter(benchmarkCase => benchmarkCase.Parameters.Items.All(
    item => item.Value is not GemmShape shape || shape is { M: 1024, N: 1024, K: 1024 })));
var types = new[] { typeof(TorchLeNetTrainingBenchmarks), typeof(TorchGemmBenchmarks), typeof(TorchConvolutionBenchmarks) };
BenchmarkSwitcher.FromTypes(types)
    .Run(options.Rest.Contains("--filter") ? options.Rest : [.. options.Rest, "--filter", "*"], config);
return 0;
