// Ready-made networks for 28x28 single-channel images (MNIST, Fashion-MNIST): LeNet-5 and an MLP.
using NativeNN.NN;

namespace NativeNN.Models;

public static class Models
{
    /// <summary>The names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["lenet5", "mlp"];

    /// <summary>
    /// LeNet-5 for [N, 1, 28, 28] input: conv 6@5x5 (padding 2) - ReLU - max pool 2 - conv 16@5x5 -
    /// ReLU - max pool 2 - flatten (400) - 120 - ReLU - 84 - ReLU - classes. ReLU and max pooling
    /// replace the original's scaled tanh and subsampling, as modern reproductions do.
    /// </summary>
    public static Sequential LeNet5(int classes = 10, Generator? generator = null) => new(
        new Conv2d(1, 6, kernelSize: 5, padding: 2, generator: generator),
        new ReLU(),
        new MaxPool2d(kernelSize: 2),
        new Conv2d(6, 16, kernelSize: 5, generator: generator),
        new ReLU(),
        new MaxPool2d(kernelSize: 2),
        new Flatten(),
        new Linear(16 * 5 * 5, 120, generator: generator),
        new ReLU(),
        new Linear(120, 84, generator: generator),
        new ReLU(),
        new Linear(84, classes, generator: generator));

    /// <summary>A two-hidden-layer perceptron over the flattened image: 784 - 256 - ReLU - 128 - ReLU - classes.</summary>
    public static Sequential Mlp(int classes = 10, Generator? generator = null) => new(
        new Flatten(),
        new Linear(28 * 28, 256, generator: generator),
        new ReLU(),
        new Linear(256, 128, generator: generator),
        new ReLU(),
        new Linear(128, classes, generator: generator));

    /// <summary>The network called <paramref name="name"/>.</summary>
    public static Sequential Create(string name, int classes = 10, Generator? generator = null) => name switch
    {
        "lenet5" => LeNet5(classes, generator),
        "mlp" => Mlp(classes, generator),
        _ => throw new ArgumentException($"Unknown model '{name}'; the models are {string.Join(", ", Names)}.", nameof(name)),
    };
}
