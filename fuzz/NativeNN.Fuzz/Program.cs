// nativenn-fuzz TARGET            run under afl-fuzz (fuzz/run.sh starts it so)
// nativenn-fuzz TARGET FILE...    run the files through TARGET once each and say what happened
// nativenn-fuzz seeds FOLDER      (re)write the seeds that NativeNN itself writes into FOLDER/<target>
using NativeNN;
using NativeNN.Fuzz;
using NativeNN.IO;
using NativeNN.Optim;
using SharpFuzz;

switch (args)
{
    case ["seeds", var folder]:
        WriteSeeds(folder);
        return 0;
    case [var target]:
        // A separate child process runs the inputs, so a native crash is reported as a finding
        // instead of ending the run.
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            FuzzTargets.Run(target, buffer.ToArray());
        });
        return 0;
    case [var target, .. var files] when files.Length > 0:
        // The instrumented NativeNN.dll records coverage into afl-fuzz's shared memory; outside
        // afl-fuzz it gets a private buffer instead, so findings can be replayed one by one.
        unsafe
        {
            SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16);
        }
        var failures = 0;
        foreach (var file in files)
        {
            try
            {
                Console.WriteLine($"{file}: {(FuzzTargets.Run(target, File.ReadAllBytes(file)) ? "accepted" : "refused")}");
            }
            catch (Exception exception)
            {
                failures++;
                Console.WriteLine($"{file}: FINDING {exception}");
            }
        }
        return failures == 0 ? 0 : 1;
    default:
        Console.Error.WriteLine($"usage: NativeNN.Fuzz TARGET [FILE...] | seeds FOLDER; targets: {string.Join(", ", FuzzTargets.Names)}");
        return 2;
}

static void WriteSeeds(string folder)
{
    using var weight = Tensor.FromArray([0.5f, -1f, 2f, 3f, 0f, -0.25f], 2, 3);
    using var labels = Tensor.FromArray([3L, 1L], 2);
    using var scalar = Tensor.Scalar(1.5f);
    using var empty = Tensor.Zeros(0, 4);
    SafeTensors.Save(Path.Combine(folder, "safetensors", "nativenn-model.safetensors"),
        new Dictionary<string, Tensor> { ["layer.weight"] = weight, ["labels"] = labels, ["scale"] = scalar, ["empty"] = empty },
        new Dictionary<string, string> { ["model"] = "seed" });

    using var first = Tensor.FromArray([1f, 2f, 3f], 3);
    using var second = Tensor.FromArray([1f, -1f, 0.5f, 2f], 2, 2);
    first.RequiresGrad = true;
    second.RequiresGrad = true;
    using var adam = new Adam([first, second], lr: 1e-3);
    using (Tensor.Scope())
    {
        adam.ZeroGrad();
        ((first * first).Sum() + (second * second).Sum()).Backward();
        adam.Step();
    }
    using var state = adam.SaveState();
    OptimizerStateFile.Save(Path.Combine(folder, "optimizer-state", "adam-two-parameters.safetensors"), state,
        new Dictionary<string, string> { ["epoch"] = "1" });
}
