// One call of the hostile-input test: the random source, the objects it made (disposed after the
// call), the argument names a useful error message may mention, and the judge of what came out.
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace NativeNN.Tests.Hardening;

/// <summary>Thrown by a case when a call succeeded but its result is wrong.</summary>
internal sealed class WrongResultException(string message) : Exception(message);

internal sealed class HostileCall(Random random)
{
    private readonly List<IDisposable> owned = [];

    public Random Random { get; } = random;

    /// <summary>Argument names of the API under test; a typed exception's message must name one.</summary>
    public string[] Names { get; private set; } = [];

    /// <summary>Set when an argument was null or disposed on purpose: success is then wrong.</summary>
    public string? MustFail { get; set; }

    public void Mentions(params string[] names) => Names = names;

    public T Own<T>(T disposable) where T : IDisposable
    {
        owned.Add(disposable);
        return disposable;
    }

    public void DisposeAll()
    {
        for (var index = owned.Count - 1; index >= 0; index--)
        {
            owned[index].Dispose();
        }
        owned.Clear();
    }

    public bool Chance(double probability) => Random.NextDouble() < probability;

    public T Pick<T>(params T[] choices) => choices[Random.Next(choices.Length)];

    /// <summary>Null when a typed, well-explained exception; otherwise why it is not acceptable.</summary>
    public string? Judge(Exception error)
    {
        var type = error.GetType();
        if (error is WrongResultException)
        {
            return "wrong result: " + error.Message;
        }
        var typed = error is ArgumentException or ObjectDisposedException or NotSupportedException or OutOfMemoryException
            or InvalidOperationException;
        if (!typed || error is NativeNNException || error is SEHException || error is AccessViolationException)
        {
            return $"{type.Name} is not a typed NativeNN error: {error.Message}";
        }
        var message = error.Message;
        if (Regex.IsMatch(message, "internal error|native call failed|unknown type", RegexOptions.IgnoreCase))
        {
            return $"{type.Name} with an opaque message: {message}";
        }
        if (error is ArgumentNullException nullError)
        {
            return nullError.ParamName is { Length: > 0 } ? null : $"ArgumentNullException without a parameter name: {message}";
        }
        if (error is OutOfMemoryException)
        {
            // Memory has no argument to name; the message must say how much was asked for.
            return message.Contains("bytes", StringComparison.Ordinal) ? null : $"OutOfMemoryException that does not say how much: {message}";
        }
        if (error is ObjectDisposedException)
        {
            return message.Contains("disposed", StringComparison.OrdinalIgnoreCase) ? null : $"ObjectDisposedException that does not say what was disposed: {message}";
        }
        if (error is ArgumentException { ParamName: { } parameter } && Names.Contains(parameter))
        {
            return null;
        }
        foreach (var name in Names)
        {
            if (Regex.IsMatch(message, $@"(?<![A-Za-z]){Regex.Escape(name)}(?![A-Za-z])", RegexOptions.IgnoreCase))
            {
                return null;
            }
        }
        return $"{type.Name} whose message names none of [{string.Join(", ", Names)}]: {message}";
    }
}

/// <summary>Element-wise comparison with PyTorch's NaN and infinity rules: NaN where the reference
/// has NaN, the same infinity, else within a relative tolerance.</summary>
internal static class Compare
{
    public static void Values(string what, ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, float tolerance = 1e-4f)
    {
        if (actual.Length != expected.Length)
        {
            throw new WrongResultException($"{what}: {actual.Length} values, expected {expected.Length}");
        }
        for (var index = 0; index < actual.Length; index++)
        {
            var (a, e) = (actual[index], expected[index]);
            var same = float.IsNaN(e) ? float.IsNaN(a)
                : float.IsInfinity(e) ? a == e
                : Math.Abs(a - e) <= tolerance * Math.Max(1f, Math.Abs(e));
            if (!same)
            {
                throw new WrongResultException($"{what}: element {index} is {a}, expected {e}");
            }
        }
    }

    public static void Shape(string what, ReadOnlySpan<long> actual, params long[] expected)
    {
        if (!actual.SequenceEqual(expected))
        {
            throw new WrongResultException($"{what}: shape [{string.Join(",", actual.ToArray())}], expected [{string.Join(",", expected)}]");
        }
    }
}
