// Runs the nativenn command as a child process, as a user would, and captures what it printed.
using System.Diagnostics;

namespace NativeNN.Tests;

internal static class CliProcess
{
    public static string CliPath => Path.Combine(AppContext.BaseDirectory, "NativeNN.Cli.dll");

    public static (int ExitCode, string Output, string Error) Run(IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null, int timeoutSeconds = 120)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CliPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"nativenn {string.Join(" ", arguments)} did not finish within {timeoutSeconds} s");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
