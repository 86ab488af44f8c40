using System.Text.Json;

namespace NativeNN.BindingGenerator;

/// <summary>
/// What a header cannot say: where the bindings live, which library they load, which opaque
/// structs are owned by SafeHandle types, which functions release those handles, and which
/// functions also get a variant that takes raw handles (nint), for measuring what SafeHandle
/// marshalling costs.
/// </summary>
internal sealed record BindingsConfiguration(
    string Namespace,
    string ClassName,
    string LibraryName,
    IReadOnlyDictionary<string, string> Handles,
    IReadOnlySet<string> ReleaseFunctions,
    IReadOnlySet<string> RawHandleFunctions)
{
    private static readonly string[] KnownProperties = ["namespace", "className", "libraryName", "handles", "releaseFunctions", "rawHandleFunctions"];

    public static BindingsConfiguration Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new GenerationException($"configuration file '{path}' does not exist");
        }
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception exception) when (exception is JsonException or GenerationException)
        {
            throw new GenerationException($"{path}: {exception.Message}");
        }
    }

    public static BindingsConfiguration Parse(string json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new GenerationException("the configuration must be a JSON object");
        }
        foreach (var property in root.EnumerateObject())
        {
            if (!KnownProperties.Contains(property.Name))
            {
                throw new GenerationException(
                    $"unknown property '{property.Name}' (known: {string.Join(", ", KnownProperties)})");
            }
        }

        var handles = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("handles", out var handlesElement))
        {
            foreach (var handle in ExpectKind(handlesElement, JsonValueKind.Object, "handles").EnumerateObject())
            {
                handles.Add(handle.Name, ExpectString(handle.Value, $"handles.{handle.Name}"));
            }
        }
        var releaseFunctions = new HashSet<string>(StringComparer.Ordinal);
        if (root.TryGetProperty("releaseFunctions", out var releaseElement))
        {
            foreach (var function in ExpectKind(releaseElement, JsonValueKind.Array, "releaseFunctions").EnumerateArray())
            {
                releaseFunctions.Add(ExpectString(function, "releaseFunctions[]"));
            }
        }
        var rawHandleFunctions = new HashSet<string>(StringComparer.Ordinal);
        if (root.TryGetProperty("rawHandleFunctions", out var rawElement))
        {
            foreach (var function in ExpectKind(rawElement, JsonValueKind.Array, "rawHandleFunctions").EnumerateArray())
            {
                rawHandleFunctions.Add(ExpectString(function, "rawHandleFunctions[]"));
            }
        }
        return new BindingsConfiguration(
            RequiredString(root, "namespace"),
            RequiredString(root, "className"),
            RequiredString(root, "libraryName"),
            handles,
            releaseFunctions,
            rawHandleFunctions);
    }

    private static string RequiredString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var element))
        {
            throw new GenerationException($"property '{name}' is required");
        }
        return ExpectString(element, name);
    }

    private static string ExpectString(JsonElement element, string name)
    {
        var text = ExpectKind(element, JsonValueKind.String, name).GetString();
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new GenerationException($"property '{name}' must not be empty");
        }
        return text;
    }

    private static JsonElement ExpectKind(JsonElement element, JsonValueKind kind, string name)
    {
        if (element.ValueKind != kind)
        {
            throw new GenerationException($"property '{name}' must be a JSON {kind.ToString().ToLowerInvariant()}");
        }
        return element;
    }
}
