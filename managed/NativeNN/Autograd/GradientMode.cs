// Whether ops record the graph: off inside Tensor.NoGrad(). The setting is an AsyncLocal, so it
// follows an async method across awaits (whatever thread resumes it) and flows into tasks and
// Parallel loops started inside the block, but never leaks to threads that merely ran a piece of it.
namespace NativeNN.Autograd;

internal static class GradientMode
{
    private static readonly AsyncLocal<int> disabledDepth = new();

    public static bool Enabled => disabledDepth.Value == 0;

    public static IDisposable Disable()
    {
        var previous = disabledDepth.Value;
        disabledDepth.Value = previous + 1;
        return new Restorer(previous);
    }

    // Restores the depth it found rather than decrementing, so a block whose end runs on another
    // thread than its start (after an await) cannot push any thread's depth below zero.
    private sealed class Restorer(int previous) : IDisposable
    {
        private bool disposed;

        public void Dispose()
        {
            if (!disposed)
            {
                disposed = true;
                disabledDepth.Value = previous;
            }
        }
    }
}
