// The safetensors format (the one Python's `safetensors` reads): an 8-byte little-endian header
// length, a UTF-8 JSON header naming each tensor's dtype, shape and byte range, then the raw
// little-endian data. Files are written atomically, and carry a SHA-256 of the data in
// __metadata__ so a truncated or bit-flipped file is refused instead of loaded as garbage.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace NativeNN.IO;

public static class SafeTensors
{
    /// <summary>Metadata key of the data checksum this library writes and checks.</summary>
    public const string ChecksumKey = "nativenn.sha256";

    // A header this large is corrupt, not a model (the format's own readers cap it at 100 MB).
    private const long MaximumHeaderBytes = 100L * 1024 * 1024;

    /// <summary>Writes the tensors (and optional string metadata) to <paramref name="path"/>: to a
    /// temporary file in the same folder first, flushed to disk, then renamed over the target, so a
    /// crash leaves either the old file or the new one, never half of one.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToArray();
        var entries = new Dictionary<string, object>();
        long offset = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var name in names)
        {
            if (name == "__metadata__")
            {
                throw new ArgumentException("'__metadata__' is reserved by the safetensors format and cannot name a tensor.", nameof(tensors));
            }
            var tensor = tensors[name];
            var end = offset + tensor.ByteCount;
            entries[name] = new Dictionary<string, object>
            {
                ["dtype"] = tensor.DType == DType.Float32 ? "F32" : "I64",
                ["shape"] = tensor.Shape.ToArray(),
                ["data_offsets"] = new[] { offset, end },
            };
            hash.AppendData(Bytes(tensor));
            offset = end;
        }
        var allMetadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            [ChecksumKey] = Convert.ToHexStringLower(hash.GetHashAndReset()),
        };
        entries["__metadata__"] = allMetadata;
        var header = JsonSerializer.SerializeToUtf8Bytes(entries);
        // The data should start 8-byte aligned; the format pads the header with spaces for that.
        var paddedLength = (header.Length + 7) / 8 * 8;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)paddedLength);
                stream.Write(length);
                stream.Write(header);
                for (var index = header.Length; index < paddedLength; index++)
                {
                    stream.WriteByte((byte)' ');
                }
                foreach (var name in names)
                {
                    stream.Write(Bytes(tensors[name]));
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Reads every tensor of a safetensors file (float32 and int64). The caller owns the
    /// tensors. A file written here must match its checksum; one from another tool has none to check.</summary>
    public static SafeTensorsFile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No checkpoint at {path}.", path);
        }
        var bytes = File.ReadAllBytes(path);
        return Parse(bytes, path);
    }

    internal static SafeTensorsFile Parse(byte[] bytes, string source)
    {
        InvalidDataException Corrupt(string what) => new($"{source} is not a valid safetensors file: {what}.");
        if (bytes.Length < 8)
        {
            throw Corrupt($"it has {bytes.Length} bytes, fewer than the 8-byte header length");
        }
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)Math.Min(MaximumHeaderBytes, bytes.Length - 8))
        {
            throw Corrupt($"the header claims {headerLength} bytes but the file has {bytes.Length - 8} after the length");
        }
        var dataStart = 8 + (int)headerLength;
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength)).RootElement;
        }
        catch (JsonException exception)
        {
            throw Corrupt($"its JSON header does not parse ({exception.Message})");
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Corrupt("its JSON header is not an object");
        }
        var metadata = new Dictionary<string, string>();
        var tensors = new Dictionary<string, Tensor>();
        var ranges = new List<(long Begin, long End, string Name)>();
        try
        {
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    foreach (var entry in property.Value.EnumerateObject())
                    {
                        metadata[entry.Name] = entry.Value.GetString() ?? throw Corrupt($"metadata '{entry.Name}' is not a string");
                    }
                    continue;
                }
                var dtypeName = property.Value.GetProperty("dtype").GetString();
                var dtype = dtypeName switch
                {
                    "F32" => DType.Float32,
                    "I64" => DType.Int64,
                    _ => throw new NotSupportedException(
                        $"{source}: tensor '{property.Name}' has dtype {dtypeName}; NativeNN reads F32 and I64."),
                };
                var shape = property.Value.GetProperty("shape").EnumerateArray().Select(size => size.GetInt64()).ToArray();
                var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(value => value.GetInt64()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || dataStart + offsets[1] > bytes.Length)
                {
                    throw Corrupt($"tensor '{property.Name}' has data_offsets [{string.Join(",", offsets)}] outside the {bytes.Length - dataStart} data bytes");
                }
                if (shape.Any(size => size < 0) || shape.Length > Interop.NativeMethods.NN_MAX_DIMS)
                {
                    throw Corrupt($"tensor '{property.Name}' has shape [{string.Join(",", shape)}]");
                }
                long count;
                try
                {
                    count = checked(shape.Aggregate(1L, (product, size) => product * size) * dtype.ElementSize());
                }
                catch (OverflowException)
                {
                    throw Corrupt($"tensor '{property.Name}' has shape [{string.Join(",", shape)}], too large to exist");
                }
                if (offsets[1] - offsets[0] != count)
                {
                    throw Corrupt($"tensor '{property.Name}' of shape [{string.Join(",", shape)}] needs {count} bytes but its range holds {offsets[1] - offsets[0]}");
                }
                ranges.Add((offsets[0], offsets[1], property.Name));
                var tensor = Tensor.Create(dtype, shape).LeaveScope();
                tensors[property.Name] = tensor;
                var span = bytes.AsSpan(dataStart + (int)offsets[0], (int)count);
                if (dtype == DType.Float32)
                {
                    tensor.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(span));
                }
                else
                {
                    tensor.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(span));
                }
            }
            ranges.Sort((first, second) => first.Begin.CompareTo(second.Begin));
            for (var index = 1; index < ranges.Count; index++)
            {
                if (ranges[index].Begin < ranges[index - 1].End)
                {
                    throw Corrupt($"tensors '{ranges[index - 1].Name}' and '{ranges[index].Name}' overlap");
                }
            }
            if (metadata.TryGetValue(ChecksumKey, out var expected))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                foreach (var range in ranges)
                {
                    hash.AppendData(bytes.AsSpan(dataStart + (int)range.Begin, (int)(range.End - range.Begin)));
                }
                var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (actual != expected)
                {
                    throw Corrupt($"its data does not match the checksum in its header (stored {expected[..12]}..., computed {actual[..12]}...): the file was damaged or truncated");
                }
            }
        }
        catch (Exception exception) when (exception is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
            throw Corrupt($"its header is malformed ({exception.Message})");
        }
        catch
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
            throw;
        }
        return new SafeTensorsFile(tensors, metadata);
    }

    private static ReadOnlySpan<byte> Bytes(Tensor tensor) => tensor.DType == DType.Float32
        ? System.Runtime.InteropServices.MemoryMarshal.AsBytes((ReadOnlySpan<float>)tensor.AsSpan())
        : System.Runtime.InteropServices.MemoryMarshal.AsBytes((ReadOnlySpan<long>)tensor.AsInt64Span());
}

/// <summary>The tensors and metadata of a loaded file; disposing it disposes the tensors.</summary>
public sealed class SafeTensorsFile(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata) : IDisposable
{
    public IReadOnlyDictionary<string, Tensor> Tensors { get; } = tensors;

    public IReadOnlyDictionary<string, string> Metadata { get; } = metadata;

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
        {
            tensor.Dispose();
        }
    }
}
