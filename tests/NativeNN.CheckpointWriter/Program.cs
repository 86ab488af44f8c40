// Saves a model checkpoint and optimizer state into the folder given, generation after generation,
// and prints "saved N" after both files of generation N are in place, until it is killed or a
// minute has passed. Every value of generation N's tensors is N, so a reader can tell a whole
// generation from a mix of two.
using System.Diagnostics;
using NativeNN;
using NativeNN.IO;
using NativeNN.Optim;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: NativeNN.CheckpointWriter FOLDER");
    return 2;
}
var folder = args[0];
Directory.CreateDirectory(folder);
// 4 MB of weights: large enough that most of the time goes to writing and flushing.
const int WeightCount = 1 << 20;
var clock = Stopwatch.StartNew();
for (var generation = 1L; clock.Elapsed < TimeSpan.FromMinutes(1); generation++)
{
    using var scope = Tensor.Scope();
    var weight = Tensor.Full(generation, WeightCount);
    var bias = Tensor.Full(generation, 16);
    SafeTensors.Save(Path.Combine(folder, "model.safetensors"),
        new Dictionary<string, Tensor> { ["layer.weight"] = weight, ["layer.bias"] = bias },
        new Dictionary<string, string> { ["generation"] = generation.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    var state = new OptimizerState("Adam", 0.001, [generation, generation],
        new Dictionary<string, Tensor> { ["0.exp_avg"] = weight, ["1.exp_avg"] = bias });
    OptimizerStateFile.Save(Path.Combine(folder, "optimizer.safetensors"), state);
    Console.WriteLine($"saved {generation}");
}
return 0;
