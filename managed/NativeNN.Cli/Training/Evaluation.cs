// Accuracy and the confusion matrix of a classifier over a data set, in evaluation mode without a graph.
using NativeNN.Data;
using NativeNN.NN;

namespace NativeNN.Cli.Training;

internal sealed record EvaluationResult(int Correct, int Count, long[,] Confusion)
{
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;
}

internal static class Evaluation
{
    public static EvaluationResult Evaluate(Module model, Dataset dataset, int classes, int batchSize = 1000)
    {
        var wasTraining = model.IsTraining;
        model.Eval();
        var confusion = new long[classes, classes];
        var correct = 0;
        try
        {
            using var noGrad = Tensor.NoGrad();
            using var loader = new DataLoader(dataset, batchSize);
            foreach (var (input, target) in loader)
            {
                using var scope = Tensor.Scope();
                var logits = model.Forward(input);
                correct += Count(logits, target, confusion);
            }
        }
        finally
        {
            model.Train(wasTraining);
        }
        return new EvaluationResult(correct, dataset.Count, confusion);
    }

    /// <summary>Adds each row's arg-max against its label to <paramref name="confusion"/> (if given);
    /// returns how many were right.</summary>
    public static int Count(Tensor logits, Tensor labels, long[,]? confusion = null)
    {
        var scores = logits.AsSpan();
        var truth = labels.AsInt64Span();
        var classes = (int)logits.Shape[1];
        var correct = 0;
        for (var row = 0; row < truth.Length; row++)
        {
            var values = scores.Slice(row * classes, classes);
            var best = 0;
            for (var column = 1; column < classes; column++)
            {
                if (values[column] > values[best])
                {
                    best = column;
                }
            }
            if (best == truth[row])
            {
                correct++;
            }
            if (confusion is not null)
            {
                confusion[truth[row], best]++;
            }
        }
        return correct;
    }
}
