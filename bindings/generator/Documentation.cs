using System.Text;

namespace NativeNN.BindingGenerator;

internal sealed record ParameterDocumentation(string Name, IReadOnlyList<string> Lines);

/// <summary>
/// A header comment turned into plain text lines: the summary, and the parameter and return
/// descriptions when the comment uses Doxygen's \param and \return commands.
/// </summary>
internal sealed record Documentation(
    IReadOnlyList<string> Summary, IReadOnlyList<ParameterDocumentation> Parameters, IReadOnlyList<string> Returns)
{
    public static readonly Documentation Empty = new([], [], []);

    public bool IsEmpty => Summary.Count == 0 && Parameters.Count == 0 && Returns.Count == 0;

    /// <summary>Parses comment text as clang or the source file holds it, markers included.</summary>
    public static Documentation Parse(string? rawComment)
    {
        if (string.IsNullOrWhiteSpace(rawComment))
        {
            return Empty;
        }
        var summary = new List<string>();
        var parameters = new List<(string Name, List<string> Lines)>();
        var returns = new List<string>();
        var current = summary;
        foreach (var rawLine in rawComment.Replace("\r\n", "\n").Split('\n'))
        {
            var line = StripMarkers(rawLine);
            if (TryCommand(line, ["param"], out var rest))
            {
                var (name, text) = SplitParameter(rest);
                var lines = new List<string>();
                parameters.Add((name, lines));
                current = lines;
                line = text;
            }
            else if (TryCommand(line, ["returns", "return", "retval"], out rest))
            {
                current = returns;
                line = rest;
            }
            else if (TryCommand(line, ["brief", "short"], out rest))
            {
                line = rest;
            }
            current.Add(line);
        }
        return new Documentation(
            Trim(summary),
            parameters.Select(parameter => new ParameterDocumentation(parameter.Name, Trim(parameter.Lines))).ToList(),
            Trim(returns));
    }

    /// <summary>
    /// Renders XML doc comment lines (without indentation), escaping the text. Parameter
    /// descriptions are rendered only for the given names, since C# rejects a param element
    /// that names no parameter.
    /// </summary>
    public IEnumerable<string> ToXmlLines(IReadOnlyCollection<string> parameterNames)
    {
        foreach (var line in Element("summary", string.Empty, Summary))
        {
            yield return line;
        }
        foreach (var parameter in Parameters)
        {
            if (!parameterNames.Contains(parameter.Name))
            {
                continue;
            }
            foreach (var line in Element("param", $" name=\"{Escape(parameter.Name)}\"", parameter.Lines))
            {
                yield return line;
            }
        }
        foreach (var line in Element("returns", string.Empty, Returns))
        {
            yield return line;
        }
    }

    public static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var character in text)
        {
            builder.Append(character switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                _ => character.ToString(),
            });
        }
        return builder.ToString();
    }

    private static IEnumerable<string> Element(string name, string attributes, IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
        {
            yield break;
        }
        if (lines.Count == 1)
        {
            yield return $"/// <{name}{attributes}>{Escape(lines[0])}</{name}>";
            yield break;
        }
        yield return $"/// <{name}{attributes}>";
        foreach (var line in lines)
        {
            yield return line.Length == 0 ? "///" : $"/// {Escape(line)}";
        }
        yield return $"/// </{name}>";
    }

    private static string StripMarkers(string line)
    {
        var text = line.Trim();
        if (text.EndsWith("*/", StringComparison.Ordinal))
        {
            text = text[..^2].TrimEnd();
        }
        string[] prefixes = ["///<", "//!<", "///", "//!", "/**<", "/*!<", "/**", "/*!", "/*", "//", "*"];
        foreach (var prefix in prefixes)
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                text = text[prefix.Length..];
                break;
            }
        }
        return text.Trim();
    }

    private static bool TryCommand(string line, string[] commands, out string rest)
    {
        foreach (var command in commands)
        {
            foreach (var marker in new[] { "\\", "@" })
            {
                var prefix = marker + command;
                if (!line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    continue;
                }
                var after = line[prefix.Length..];
                // \param[in] and \param[out] carry a direction that C# expresses in the signature.
                if (after.StartsWith('['))
                {
                    var close = after.IndexOf(']');
                    after = close < 0 ? after : after[(close + 1)..];
                }
                if (after.Length == 0 || char.IsWhiteSpace(after[0]))
                {
                    rest = after.Trim();
                    return true;
                }
            }
        }
        rest = string.Empty;
        return false;
    }

    private static (string Name, string Text) SplitParameter(string rest)
    {
        var space = rest.IndexOfAny([' ', '\t']);
        return space < 0 ? (rest, string.Empty) : (rest[..space], rest[(space + 1)..].Trim());
    }

    private static List<string> Trim(List<string> lines)
    {
        var start = 0;
        var end = lines.Count;
        while (start < end && lines[start].Length == 0)
        {
            start++;
        }
        while (end > start && lines[end - 1].Length == 0)
        {
            end--;
        }
        return lines.GetRange(start, end - start);
    }
}
