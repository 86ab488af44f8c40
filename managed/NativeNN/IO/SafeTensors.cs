// The safetensors format (the one Python's `safetensors` reads): an 8-byte little-endian header
// length, a UTF-8 JSON header naming each tensor's dtype, shape and byte range, then the raw
// little-endian data. Files are written atomically, and carry a SHA-256 of the header's meaning and
// of the data in __metadata__, so a truncated or bit-flipped file is refused instead of loaded as
// garbage. Loading validates the header the way the format's reference reader does (the tensors'
// byte ranges tile the data section exactly) before it allocates anything native.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NativeNN.Data;

namespace NativeNN.IO;

/// <summary>
/// Reads and writes safetensors files. <see cref="Save"/> stores a checksum under
/// <see cref="ChecksumKey"/>: "sha256:" and the SHA-256 of every tensor's name, dtype, shape and data
/// and of every other metadata entry (see <see cref="SafeTensorsChecksum"/>), so a flipped bit
/// anywhere in the file is caught. Files without that key load unchecked (other tools write none)
/// unless the caller requires it; files from before it existed carry <see cref="DataChecksumKey"/>,
/// a SHA-256 of the data bytes alone, which is still verified.
/// </summary>
public static class SafeTensors
{
    /// <summary>Metadata key of the checksum this library writes and checks.</summary>
    public const string ChecksumKey = "nativenn.checksum";

    /// <summary>Metadata key of the data-only checksum that files written before
    /// <see cref="ChecksumKey"/> carry; it is verified, never written.</summary>
    public const string DataChecksumKey = "nativenn.sha256";

    private const string ChecksumPrefix = "sha256:";

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
        var userMetadata = metadata ?? new Dictionary<string, string>();
        foreach (var (key, value) in userMetadata)
        {
            if (key is ChecksumKey or DataChecksumKey)
            {
                throw new ArgumentException($"metadata key '{key}' is reserved for the checksum that Save writes.", nameof(metadata));
            }
            ArgumentNullException.ThrowIfNull(value, $"{nameof(metadata)}[\"{key}\"]");
        }
        var checksum = new SafeTensorsChecksum(names.Length);
        foreach (var name in names)
        {
            if (name == "__metadata__")
            {
                throw new ArgumentException("'__metadata__' is reserved by the safetensors format and cannot name a tensor.", nameof(tensors));
            }
            var tensor = tensors[name];
            checksum.AddTensor(name, DTypeName(tensor.DType), tensor.Shape, Bytes(tensor));
        }
        checksum.AddMetadata(userMetadata);
        var header = Header(names, tensors, userMetadata, ChecksumPrefix + checksum.Finish());
        // The data should start 8-byte aligned; the format pads the header with spaces for that.
        var paddedLength = (header.Length + 7) / 8 * 8;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.Write(path, stream =>
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
        });
    }

    /// <summary>Reads every tensor of a safetensors file (float32 and int64). The caller owns the
    /// tensors. A file that carries a checksum must match it; with <paramref name="requireChecksum"/>
    /// a file without one is refused too (use it for files this library wrote, such as checkpoints).
    /// Every problem with the file is an <see cref="InvalidDataException"/> naming the file, what is
    /// wrong and what was expected; a valid file of a dtype NativeNN does not hold is a
    /// <see cref="NotSupportedException"/>.</summary>
    public static SafeTensorsFile Load(string path, bool requireChecksum = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No checkpoint at {path}.", path);
        }
        var length = new FileInfo(path).Length;
        if (length > Array.MaxLength)
        {
            throw new NotSupportedException($"{path} has {length} bytes; NativeNN reads safetensors files of at most {Array.MaxLength} bytes.");
        }
        return Parse(File.ReadAllBytes(path), path, requireChecksum ? ChecksumRule.Require : ChecksumRule.VerifyIfPresent);
    }

    internal enum ChecksumRule
    {
        VerifyIfPresent,
        Require,
        // Only for fuzzing the header's validation beyond what a checksum would stop.
        Ignore,
    }

    private readonly record struct Entry(string Name, string DTypeName, long[] Shape, long Begin, long End);

    internal static SafeTensorsFile Parse(byte[] bytes, string source, ChecksumRule rule = ChecksumRule.VerifyIfPresent)
    {
        InvalidDataException Corrupt(string what) => new($"{source} is not a valid safetensors file: {what}.");
        if (bytes.Length < 8)
        {
            throw Corrupt($"it has {bytes.Length} bytes, fewer than the 8-byte header length that starts the format");
        }
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)Math.Min(MaximumHeaderBytes, bytes.Length - 8))
        {
            throw Corrupt($"the header claims {headerLength} bytes but the file has {bytes.Length - 8} after the length " +
                $"(and a header may have at most {MaximumHeaderBytes})");
        }
        var dataStart = 8 + (int)headerLength;
        var dataLength = bytes.Length - dataStart;
        var (entries, metadata) = ParseHeader(bytes.AsMemory(8, (int)headerLength), Corrupt);

        var ordered = entries.OrderBy(entry => entry.Begin).ThenBy(entry => entry.End).ToArray();
        long covered = 0;
        foreach (var entry in ordered)
        {
            if (entry.End > dataLength)
            {
                throw Corrupt($"tensor '{entry.Name}' has data_offsets [{entry.Begin},{entry.End}] outside the {dataLength} data bytes " +
                    "after the header: the file is truncated or its header is damaged");
            }
            if (entry.Begin != covered)
            {
                throw Corrupt(entry.Begin < covered
                    ? $"tensor '{entry.Name}' [{entry.Begin},{entry.End}] overlaps the tensor before it, which ends at {covered}; " +
                      "each byte of data belongs to one tensor"
                    : $"data bytes [{covered},{entry.Begin}) belong to no tensor; the tensors' data_offsets must tile the data section in order");
            }
            covered = entry.End;
        }
        if (covered != dataLength)
        {
            throw Corrupt($"the tensors cover {covered} data bytes but {dataLength} follow the header; the file has bytes that belong to no tensor");
        }

        var hasChecksum = metadata.TryGetValue(ChecksumKey, out var stored);
        if (rule != ChecksumRule.Ignore && hasChecksum)
        {
            if (!stored!.StartsWith(ChecksumPrefix, StringComparison.Ordinal) || stored.Length != ChecksumPrefix.Length + 64)
            {
                throw Corrupt($"its checksum '{Shorten(stored)}' is not '{ChecksumPrefix}' and 64 lowercase hexadecimal digits");
            }
            var checksum = new SafeTensorsChecksum(entries.Count);
            foreach (var entry in entries.OrderBy(entry => entry.Name, StringComparer.Ordinal))
            {
                checksum.AddTensor(entry.Name, entry.DTypeName, entry.Shape, bytes.AsSpan(dataStart + (int)entry.Begin, (int)(entry.End - entry.Begin)));
            }
            checksum.AddMetadata(metadata);
            var actual = checksum.Finish();
            if (!string.Equals(actual, stored[ChecksumPrefix.Length..], StringComparison.Ordinal))
            {
                throw Corrupt($"its contents do not match the checksum in its header (stored {stored[ChecksumPrefix.Length..][..12]}..., " +
                    $"computed {actual[..12]}...): the file was damaged or truncated");
            }
        }
        else if (rule != ChecksumRule.Ignore && metadata.TryGetValue(DataChecksumKey, out var legacy))
        {
            var actual = Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan(dataStart)));
            if (!string.Equals(actual, legacy, StringComparison.Ordinal))
            {
                throw Corrupt($"its data does not match the checksum in its header (stored {Shorten(legacy)}, computed {actual[..12]}...): " +
                    "the file was damaged or truncated");
            }
        }
        else if (rule == ChecksumRule.Require)
        {
            throw Corrupt($"its __metadata__ has no '{ChecksumKey}' entry; NativeNN writes one into every file it saves, so this file " +
                "was not written by NativeNN or its header is damaged");
        }

        foreach (var entry in entries)
        {
            if (entry.DTypeName is not ("F32" or "I64"))
            {
                throw new NotSupportedException($"{source}: tensor '{entry.Name}' has dtype {entry.DTypeName}; NativeNN reads F32 and I64.");
            }
        }
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            foreach (var entry in entries)
            {
                var dtype = entry.DTypeName == "F32" ? DType.Float32 : DType.Int64;
                var tensor = Tensor.Create(dtype, entry.Shape).LeaveScope();
                tensors[entry.Name] = tensor;
                var span = bytes.AsSpan(dataStart + (int)entry.Begin, (int)(entry.End - entry.Begin));
                if (dtype == DType.Float32)
                {
                    tensor.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(span));
                }
                else
                {
                    tensor.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(span));
                }
            }
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

    private static (List<Entry> Entries, Dictionary<string, string> Metadata) ParseHeader(ReadOnlyMemory<byte> header,
        Func<string, InvalidDataException> corrupt)
    {
        // The JSON reader checks UTF-8 only where it decodes a string, so check all of it first.
        if (!System.Text.Unicode.Utf8.IsValid(header.Span))
        {
            throw corrupt("its header is not valid UTF-8 JSON (it holds bytes that are not UTF-8)");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException exception)
        {
            throw corrupt($"its header is not valid UTF-8 JSON ({exception.Message})");
        }
        using (document)
        {
            try
            {
                return ReadHeader(document.RootElement, corrupt);
            }
            catch (InvalidOperationException exception)
            {
                // An escape such as "\ud800" is valid JSON but no text.
                throw corrupt($"its header has a string that is not valid text ({exception.Message})");
            }
        }
    }

    private static (List<Entry> Entries, Dictionary<string, string> Metadata) ReadHeader(JsonElement root,
        Func<string, InvalidDataException> corrupt)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw corrupt($"its JSON header is {root.ValueKind}, expected an object of tensors");
        }
        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                throw corrupt($"its header names '{property.Name}' twice");
            }
            if (property.Name == "__metadata__")
            {
                if (property.Value.ValueKind != JsonValueKind.Object)
                {
                    throw corrupt($"__metadata__ is {property.Value.ValueKind}, expected an object of strings");
                }
                foreach (var item in property.Value.EnumerateObject())
                {
                    if (item.Value.ValueKind != JsonValueKind.String)
                    {
                        throw corrupt($"metadata '{item.Name}' is {item.Value.ValueKind}, expected a string");
                    }
                    if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                    {
                        throw corrupt($"its __metadata__ names '{item.Name}' twice");
                    }
                }
                continue;
            }
            entries.Add(ParseEntry(property, corrupt));
        }
        return (entries, metadata);
    }

    private static Entry ParseEntry(JsonProperty property, Func<string, InvalidDataException> corrupt)
    {
        var name = property.Name;
        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw corrupt($"tensor '{name}' is {value.ValueKind}, expected an object with dtype, shape and data_offsets");
        }
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw corrupt($"tensor '{name}' has no dtype string");
        }
        var dtypeName = dtypeElement.GetString()!;
        var elementSize = ElementSize(dtypeName);
        if (elementSize == 0)
        {
            throw corrupt($"tensor '{name}' has dtype '{Shorten(dtypeName)}', which the format does not define (F32, I64, F16, BF16, ...)");
        }
        var shape = Integers(value, "shape", name, corrupt);
        if (shape.Length > Interop.NativeMethods.NN_MAX_DIMS)
        {
            throw corrupt($"tensor '{name}' has {shape.Length} dimensions; a tensor has at most {Interop.NativeMethods.NN_MAX_DIMS}");
        }
        var offsets = Integers(value, "data_offsets", name, corrupt);
        if (offsets.Length != 2 || offsets[1] < offsets[0])
        {
            throw corrupt($"tensor '{name}' has data_offsets [{string.Join(",", offsets)}], expected [begin, end] with begin <= end");
        }
        long byteCount;
        try
        {
            // Zero sizes are skipped in the product so that [0, huge, huge] cannot describe
            // strides that overflow.
            var product = shape.Aggregate(1L, (total, size) => checked(total * Math.Max(size, 1)));
            byteCount = shape.Contains(0) ? 0 : checked(product * elementSize);
        }
        catch (OverflowException)
        {
            throw corrupt($"tensor '{name}' has shape [{string.Join(",", shape)}], too large to exist");
        }
        if (offsets[1] - offsets[0] != byteCount)
        {
            throw corrupt($"tensor '{name}' of dtype {dtypeName} and shape [{string.Join(",", shape)}] needs {byteCount} bytes " +
                $"but its data_offsets [{offsets[0]},{offsets[1]}] hold {offsets[1] - offsets[0]}");
        }
        return new Entry(name, dtypeName, shape, offsets[0], offsets[1]);
    }

    private static long[] Integers(JsonElement tensor, string field, string name, Func<string, InvalidDataException> corrupt)
    {
        if (!tensor.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw corrupt($"tensor '{name}' has no {field} array");
        }
        var values = new long[array.GetArrayLength()];
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var number) || number < 0)
            {
                throw corrupt($"tensor '{name}' has {field}[{index}] = {Shorten(item.GetRawText())}, expected an integer from 0 to {long.MaxValue}");
            }
            values[index++] = number;
        }
        return values;
    }

    // Bytes per element of every dtype the safetensors format defines; 0 for a name it does not.
    private static int ElementSize(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" => 1,
        "I16" or "U16" or "F16" or "BF16" => 2,
        "I32" or "U32" or "F32" => 4,
        "I64" or "U64" or "F64" => 8,
        _ => 0,
    };

    private static string DTypeName(DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Int64 => "I64",
        _ => throw new NotSupportedException($"safetensors: NativeNN saves float32 and int64 tensors, not {dtype}."),
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private static byte[] Header(string[] names, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata, string checksum)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            long offset = 0;
            foreach (var name in names)
            {
                var tensor = tensors[name];
                writer.WriteStartObject(name);
                writer.WriteString("dtype", DTypeName(tensor.DType));
                writer.WriteStartArray("shape");
                foreach (var size in tensor.Shape)
                {
                    writer.WriteNumberValue(size);
                }
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset += tensor.ByteCount;
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteStartObject("__metadata__");
            foreach (var (key, value) in metadata.OrderBy(item => item.Key, StringComparer.Ordinal))
            {
                writer.WriteString(key, value);
            }
            writer.WriteString(ChecksumKey, checksum);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static ReadOnlySpan<byte> Bytes(Tensor tensor) => tensor.DType == DType.Float32
        ? System.Runtime.InteropServices.MemoryMarshal.AsBytes((ReadOnlySpan<float>)tensor.AsSpan())
        : System.Runtime.InteropServices.MemoryMarshal.AsBytes((ReadOnlySpan<long>)tensor.AsInt64Span());
}

/// <summary>
/// The checksum <see cref="SafeTensors"/> stores: SHA-256 over, in order, the tensor count; for each
/// tensor by ordinal name order its name, dtype, rank, sizes, data byte count and data; the count of
/// metadata entries other than the checksums; and each such entry (key, value) by ordinal key order.
/// Strings are UTF-8 with an int32 byte-count prefix, numbers little-endian. It covers what the
/// header means rather than its bytes, so files that another writer re-serialized still verify.
/// </summary>
internal sealed class SafeTensorsChecksum(int tensorCount)
{
    private readonly IncrementalHash hash = Start(tensorCount);

    private static IncrementalHash Start(int tensorCount)
    {
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendInt32(hash, tensorCount);
        return hash;
    }

    public void AddTensor(string name, string dtype, ReadOnlySpan<long> shape, ReadOnlySpan<byte> data)
    {
        AppendString(hash, name);
        AppendString(hash, dtype);
        AppendInt32(hash, shape.Length);
        Span<byte> number = stackalloc byte[8];
        foreach (var size in shape)
        {
            BinaryPrimitives.WriteInt64LittleEndian(number, size);
            hash.AppendData(number);
        }
        BinaryPrimitives.WriteInt64LittleEndian(number, data.Length);
        hash.AppendData(number);
        hash.AppendData(data);
    }

    public void AddMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        var entries = metadata.Where(item => item.Key is not (SafeTensors.ChecksumKey or SafeTensors.DataChecksumKey))
            .OrderBy(item => item.Key, StringComparer.Ordinal).ToArray();
        AppendInt32(hash, entries.Length);
        foreach (var (key, value) in entries)
        {
            AppendString(hash, key);
            AppendString(hash, value);
        }
    }

    public string Finish()
    {
        var result = Convert.ToHexStringLower(hash.GetHashAndReset());
        hash.Dispose();
        return result;
    }

    private static void AppendInt32(IncrementalHash hash, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        hash.AppendData(bytes);
    }

    private static void AppendString(IncrementalHash hash, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        AppendInt32(hash, bytes.Length);
        hash.AppendData(bytes);
    }
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
