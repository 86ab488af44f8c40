// Runs a parsed command; a known failure (missing library, bad argument, missing file) becomes
// "nativenn: error: ..." and exit code 1, so scripts and people both get the cause.
using System.CommandLine;

namespace NativeNN.Cli;

internal static class CommandRunner
{
    public static int Run(RootCommand root, string[] args)
    {
        var parseResult = root.Parse(args);
        try
        {
            return parseResult.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception exception) when (exception is DllNotFoundException or InvalidOperationException
                                              or ArgumentException or IOException or NotSupportedException or InvalidDataException
                                              or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"nativenn: error: {exception.Message}");
            return 1;
        }
    }
}
