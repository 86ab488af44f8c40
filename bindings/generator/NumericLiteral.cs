using System.Globalization;
using System.Numerics;

namespace NativeNN.BindingGenerator;

/// <summary>Turns the value of an object-like macro into a C# constant's type and text.</summary>
internal static class NumericLiteral
{
    public static (string CSharpType, string Text)? TryParse(string literal, bool negative)
    {
        var text = literal.Replace("'", string.Empty);
        if (text.Length == 0 || !(char.IsAsciiDigit(text[0]) || text[0] == '.'))
        {
            // Strings and character constants are left out.
            return null;
        }
        return IsFloating(text) ? TryParseFloating(text, negative) : TryParseInteger(text, negative);
    }

    private static bool IsFloating(string text)
    {
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return text.Contains('.') || text.Contains('p') || text.Contains('P');
        }
        return text.Contains('.') || text.Contains('e') || text.Contains('E');
    }

    private static (string, string)? TryParseFloating(string text, bool negative)
    {
        var type = "double";
        if (text.EndsWith('f') || text.EndsWith('F'))
        {
            type = "float";
            text = text[..^1];
        }
        // Hexadecimal floats and long double have no C# counterpart.
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || text.EndsWith('l') || text.EndsWith('L')
            || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            return null;
        }
        var sign = negative ? "-" : string.Empty;
        var suffix = type == "float" ? "f" : string.Empty;
        var body = text.StartsWith('.') ? "0" + text : text;
        return (type, sign + body + suffix);
    }

    private static (string, string)? TryParseInteger(string text, bool negative)
    {
        var suffixStart = text.Length;
        while (suffixStart > 0 && "uUlL".Contains(text[suffixStart - 1]))
        {
            suffixStart--;
        }
        var suffix = text[suffixStart..].ToLowerInvariant();
        var digits = text[..suffixStart];
        var isUnsigned = suffix.Contains('u');
        var isLong = suffix.Contains('l');

        var radix = 10;
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            radix = 16;
            digits = digits[2..];
        }
        else if (digits.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
        {
            radix = 2;
            digits = digits[2..];
        }
        else if (digits.Length > 1 && digits[0] == '0')
        {
            radix = 8;
            digits = digits[1..];
        }
        if (digits.Length == 0 || !TryParseDigits(digits, radix, out var value))
        {
            return null;
        }
        if (negative)
        {
            value = -value;
        }

        // C's rules for the type of an integer constant, narrowed to the C# types that can hold it.
        var unsignedAllowed = isUnsigned || radix != 10;
        string? type = null;
        if (!isUnsigned && !isLong && value >= int.MinValue && value <= int.MaxValue)
        {
            type = "int";
        }
        else if (unsignedAllowed && !isLong && value >= 0 && value <= uint.MaxValue)
        {
            type = "uint";
        }
        else if (!isUnsigned && value >= long.MinValue && value <= long.MaxValue)
        {
            type = "long";
        }
        else if (unsignedAllowed && value >= 0 && value <= ulong.MaxValue)
        {
            type = "ulong";
        }
        return type == null ? null : (type, value.ToString(CultureInfo.InvariantCulture));
    }

    private static bool TryParseDigits(string digits, int radix, out BigInteger value)
    {
        value = BigInteger.Zero;
        foreach (var character in digits)
        {
            var digit = char.IsAsciiDigit(character) ? character - '0'
                : char.IsAsciiHexDigit(character) ? char.ToLowerInvariant(character) - 'a' + 10
                : radix;
            if (digit >= radix)
            {
                return false;
            }
            value = value * radix + digit;
        }
        return true;
    }
}
