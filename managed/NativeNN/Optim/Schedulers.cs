// Learning-rate schedules, stepped once per epoch as in PyTorch.
namespace NativeNN.Optim;

/// <summary>Multiplies the learning rate by gamma every stepSize epochs (torch.optim.lr_scheduler.StepLR).</summary>
public sealed class StepLR
{
    private readonly Optimizer optimizer;
    private readonly double initialLearningRate;

    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSize);
        this.optimizer = optimizer;
        StepSize = stepSize;
        Gamma = gamma;
        initialLearningRate = optimizer.LearningRate;
    }

    public int StepSize { get; }
    public double Gamma { get; }
    public int Epoch { get; private set; }

    /// <summary>Ends an epoch: the learning rate becomes lr0 * gamma^(epoch / stepSize).</summary>
    public void Step()
    {
        Epoch++;
        optimizer.LearningRate = initialLearningRate * Math.Pow(Gamma, Epoch / StepSize);
    }
}

/// <summary>Cosine annealing from the initial rate to etaMin over tMax epochs
/// (torch.optim.lr_scheduler.CosineAnnealingLR, closed form).</summary>
public sealed class CosineAnnealingLR
{
    private readonly Optimizer optimizer;
    private readonly double initialLearningRate;

    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tMax);
        this.optimizer = optimizer;
        TMax = tMax;
        EtaMin = etaMin;
        initialLearningRate = optimizer.LearningRate;
    }

    public int TMax { get; }
    public double EtaMin { get; }
    public int Epoch { get; private set; }

    /// <summary>Ends an epoch: lr = etaMin + (lr0 - etaMin)(1 + cos(pi epoch / tMax)) / 2.</summary>
    public void Step()
    {
        Epoch++;
        optimizer.LearningRate = LearningRateAt(initialLearningRate, EtaMin, TMax, Epoch);
    }

    /// <summary>The closed form at <paramref name="epoch"/> (0 gives the initial rate), for callers
    /// that resume mid-schedule.</summary>
    public static double LearningRateAt(double initialLearningRate, double etaMin, int tMax, int epoch) =>
        etaMin + (initialLearningRate - etaMin) * (1 + Math.Cos(Math.PI * epoch / tMax)) / 2;
}
