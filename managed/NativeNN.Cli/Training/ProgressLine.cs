// A live progress line per epoch: loss, accuracy, samples/s and ETA, redrawn in place on a terminal,
// and printed at every tenth of the epoch when output goes to a file or a pipe.
namespace NativeNN.Cli.Training;

internal sealed class ProgressLine(TextWriter output, string label, int total)
{
    private readonly bool interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
    private readonly System.Diagnostics.Stopwatch sinceDraw = System.Diagnostics.Stopwatch.StartNew();
    private readonly System.Diagnostics.Stopwatch sinceStart = System.Diagnostics.Stopwatch.StartNew();
    private int lastTenth;

    public void Report(int done, double loss, double accuracy, double samplesPerSecond)
    {
        var tenth = done * 10 / Math.Max(1, total);
        var due = interactive ? sinceDraw.ElapsedMilliseconds >= 200 || done == total : tenth > lastTenth;
        if (!due)
        {
            return;
        }
        sinceDraw.Restart();
        lastTenth = tenth;
        var fraction = (double)done / Math.Max(1, total);
        var width = 24;
        var filled = (int)(fraction * width);
        var bar = new string('#', filled) + new string('.', width - filled);
        var remaining = TimeSpan.FromSeconds(sinceStart.Elapsed.TotalSeconds / Math.Max(1, done) * (total - done));
        var line = $"{label} [{bar}] {done}/{total} loss {loss:F4} acc {accuracy:P1} {samplesPerSecond:F0} samples/s ETA {remaining:m\\:ss}";
        if (interactive)
        {
            output.Write("\r" + line.PadRight(Console.WindowWidth > 0 ? Math.Min(Console.WindowWidth - 1, 120) : 0));
        }
        else
        {
            output.WriteLine(line);
        }
    }

    public void Finish(string summary)
    {
        if (interactive)
        {
            output.Write("\r" + new string(' ', Math.Max(0, Math.Min(Console.WindowWidth - 1, 120))) + "\r");
        }
        output.WriteLine($"{label}: {summary}");
    }
}
