namespace NativeNN.BindingGenerator;

internal static class Generator
{
    /// <summary>Parses the header and returns the C# file's text; header warnings go to <paramref name="warnings"/>.</summary>
    public static string Generate(string headerPath, BindingsConfiguration configuration, TextWriter warnings)
    {
        var model = HeaderParser.Parse(headerPath);
        foreach (var warning in model.Warnings)
        {
            warnings.WriteLine($"warning: {warning}");
        }
        return CSharpWriter.Write(model, configuration);
    }
}
