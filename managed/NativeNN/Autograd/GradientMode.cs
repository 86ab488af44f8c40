// Whether ops record the graph: off inside Tensor.NoGrad(), per thread.
namespace NativeNN.Autograd;

internal static class GradientMode
{
    [ThreadStatic]
    private static int disabledDepth;

    public static bool Enabled => disabledDepth == 0;

    public static IDisposable Disable()
    {
        disabledDepth++;
        return new Restorer();
    }

    private sealed class Restorer : IDisposable
    {
        private bool disposed;

        public void Dispose()
        {
            if (!disposed)
            {
                disposed = true;
                disabledDepth--;
            }
        }
    }
}
