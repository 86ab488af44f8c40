// ./build.sh bench runs this: every benchmark class, one job per backend, filtered by BenchmarkDotNet's
// own options (--filter '*Gemm*'). Options of its own: --full for the long measurement, --backends
// to choose the jobs, --native-driver PATH to set the C++ LeNet-5 step beside the managed one.
using BenchmarkDotNet.Running;
using NativeNN.Benchmarks;

var options = SuiteConfiguration.Parse(args, BenchmarkBackend.NativeNN);
var config = SuiteConfiguration.Create(options);
BenchmarkSwitcher.FromAssembly(typeof(BenchmarkBackend).Assembly)
    .Run(options.Rest.Contains("--filter") ? options.Rest : [.. options.Rest, "--filter", "*"], config);
if (options.NativeDriver is { } driver)
{
    Console.WriteLine("\n// * LeNet-5 training step: managed API vs the C++ driver over nativenn.h (AVX-512) *");
    var table = NativeDriverComparison.Run(driver, [1, 2], Console.Out);
    var path = Path.Combine(options.Artifacts, "results", "LeNetStep-managed-vs-native.md");
    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
    File.WriteAllText(path, table);
    Console.WriteLine($"written to {path}");
}
