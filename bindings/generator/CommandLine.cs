using System.Text;

namespace NativeNN.BindingGenerator;

/// <summary>
/// `--header h --output f [--config bindings.json] [--check]`. Exit codes: 0 done or current,
/// 1 the file on disk differs from what would be written (--check), 2 failure.
/// </summary>
internal static class CommandLine
{
    public const int Success = 0;
    public const int OutOfDate = 1;
    public const int Failure = 2;

    private const string Usage =
        "usage: NativeNN.BindingGenerator --header <file.h> --output <file.cs> [--config <bindings.json>] [--check]";

    private static readonly UTF8Encoding Utf8WithoutMark = new(encoderShouldEmitUTF8Identifier: false);

    public static int Run(string[] arguments, TextWriter output, TextWriter error)
    {
        string? header = null;
        string? target = null;
        var config = Path.Combine(AppContext.BaseDirectory, "bindings.json");
        var check = false;
        for (var i = 0; i < arguments.Length; i++)
        {
            switch (arguments[i])
            {
                case "--header" when i + 1 < arguments.Length:
                    header = arguments[++i];
                    break;
                case "--output" when i + 1 < arguments.Length:
                    target = arguments[++i];
                    break;
                case "--config" when i + 1 < arguments.Length:
                    config = arguments[++i];
                    break;
                case "--check":
                    check = true;
                    break;
                default:
                    error.WriteLine($"unexpected argument '{arguments[i]}'");
                    error.WriteLine(Usage);
                    return Failure;
            }
        }
        if (header == null || target == null)
        {
            error.WriteLine(Usage);
            return Failure;
        }

        try
        {
            return GenerateOrCheck(header, target, config, check, output, error);
        }
        catch (Exception exception) when (exception is GenerationException or DllNotFoundException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {exception.Message}");
            return Failure;
        }
    }

    private static int GenerateOrCheck(string header, string target, string config, bool check, TextWriter output, TextWriter error)
    {
        var generated = Generator.Generate(header, BindingsConfiguration.Load(config), error);
        var existing = File.Exists(target) ? File.ReadAllText(target) : null;
        if (existing == generated)
        {
            output.WriteLine("bindings are current");
            return Success;
        }
        if (check)
        {
            error.WriteLine($"{target} does not match {header}.");
            error.WriteLine(existing == null ? $"{target} does not exist." : FirstDifference(existing, generated));
            error.WriteLine("run ./build.sh bindings to regenerate");
            return OutOfDate;
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(target));
        if (directory != null)
        {
            Directory.CreateDirectory(directory);
        }
        File.WriteAllText(target, generated, Utf8WithoutMark);
        output.WriteLine($"wrote {target}");
        return Success;
    }

    private static string FirstDifference(string existing, string generated)
    {
        var before = existing.Split('\n');
        var after = generated.Split('\n');
        for (var i = 0; i < Math.Max(before.Length, after.Length); i++)
        {
            var old = i < before.Length ? before[i] : null;
            var current = i < after.Length ? after[i] : null;
            if (old != current)
            {
                return $"first difference at line {i + 1}:\n" +
                       $"  on disk:   {old ?? "(end of file)"}\n" +
                       $"  generated: {current ?? "(end of file)"}";
            }
        }
        return "the files differ only in their line endings or encoding.";
    }
}
