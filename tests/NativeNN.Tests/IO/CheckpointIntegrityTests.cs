// A damaged checkpoint is refused, never loaded as garbage: every single flipped bit and every
// truncation of a saved file, and each way a header can be malformed, ends in an
// InvalidDataException that names the file and what was expected, before any native allocation.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NativeNN.IO;

namespace NativeNN.Tests.IO;

public class CheckpointIntegrityTests
{
    private const string Source = "sample.safetensors";

    private static byte[] SampleFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nativenn-integrity-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var weight = Tensor.FromArray([1f, -2f, 3.5f, 0f, 1e-3f, 7f], 2, 3);
            using var steps = Tensor.FromArray([4L, -1L], 2);
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["layer.weight"] = weight, ["steps"] = steps },
                new Dictionary<string, string> { ["epoch"] = "3" });
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void SavedSampleLoadsWithItsChecksum()
    {
        using var loaded = SafeTensors.Parse(SampleFile(), Source, SafeTensors.ChecksumRule.Require);
        Assert.That(loaded.Tensors["layer.weight"].ToArray(), Is.EqualTo(new[] { 1f, -2f, 3.5f, 0f, 1e-3f, 7f }));
        Assert.That(loaded.Metadata[SafeTensors.ChecksumKey], Does.StartWith("sha256:").And.Length.EqualTo(7 + 64));
    }

    [Test]
    public void EveryFlippedBitIsRefused()
    {
        var original = SampleFile();
        var live = TensorMemory.LiveBytes;
        var accepted = new List<string>();
        for (var position = 0; position < original.Length; position++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var damaged = (byte[])original.Clone();
                damaged[position] ^= (byte)(1 << bit);
                try
                {
                    SafeTensors.Parse(damaged, Source, SafeTensors.ChecksumRule.Require).Dispose();
                    accepted.Add($"byte {position} bit {bit}");
                }
                catch (InvalidDataException exception)
                {
                    Assert.That(exception.Message, Does.StartWith(Source));
                }
            }
        }
        Assert.That(accepted, Is.Empty, $"flips loaded as if intact ({original.Length * 8} tried)");
        Assert.That(TensorMemory.LiveBytes, Is.EqualTo(live), "refused files allocate nothing native");
    }

    [Test]
    public void EveryTruncationIsRefused()
    {
        var original = SampleFile();
        for (var length = 0; length < original.Length; length++)
        {
            var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Parse(original[..length], Source).Dispose(),
                $"the first {length} of {original.Length} bytes")!;
            Assert.That(error.Message, Does.StartWith(Source));
        }
    }

    [Test]
    public void RenamedTensorWithTheSameLengthIsCaughtByTheChecksum()
    {
        var bytes = SampleFile();
        // Latin-1 maps every byte to one character and back, so the binary data survives.
        var text = Encoding.Latin1.GetString(bytes);
        var renamed = Encoding.Latin1.GetBytes(text.Replace("\"layer.weight\"", "\"layer.weighs\""));
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Parse(renamed, Source).Dispose())!;
        Assert.That(error.Message, Does.Contain("checksum"));
    }

    [Test]
    public void ChangedMetadataIsCaughtByTheChecksum()
    {
        var text = Encoding.Latin1.GetString(SampleFile());
        var changed = Encoding.Latin1.GetBytes(text.Replace("\"epoch\":\"3\"", "\"epoch\":\"4\""));
        Assert.That(Assert.Throws<InvalidDataException>(() => SafeTensors.Parse(changed, Source).Dispose())!.Message, Does.Contain("checksum"));
    }

    [Test]
    public void FileWithoutChecksumLoadsUnlessOneIsRequired()
    {
        var bytes = Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]);
        using (var loaded = SafeTensors.Parse(bytes, Source))
        {
            Assert.That(loaded.Tensors["a"].ToArray(), Is.EqualTo(new[] { 0f, 0f }));
        }
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Parse(bytes, Source, SafeTensors.ChecksumRule.Require))!;
        Assert.That(error.Message, Does.Contain(SafeTensors.ChecksumKey));
    }

    [Test]
    public void FilesFromBeforeTheHeaderChecksumAreVerifiedOnTheirData()
    {
        // What the first versions wrote: a SHA-256 of the data bytes alone, under nativenn.sha256.
        var data = new byte[8];
        BinaryPrimitives.WriteSingleLittleEndian(data, 1.5f);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4), -3f);
        var header = $"{{\"w\":{{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}},\"__metadata__\":{{\"{SafeTensors.DataChecksumKey}\":\"{Convert.ToHexStringLower(SHA256.HashData(data))}\"}}}}";
        using (var loaded = SafeTensors.Parse(Build(header, data), Source, SafeTensors.ChecksumRule.Require))
        {
            Assert.That(loaded.Tensors["w"].ToArray(), Is.EqualTo(new[] { 1.5f, -3f }));
        }
        data[2] ^= 4;
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Parse(Build(header, data), Source))!;
        Assert.That(error.Message, Does.Contain("checksum"));
    }

    private const string TensorA = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    [TestCase("{\"a\":{\"dtype\":", 0, "not valid UTF-8 JSON")]
    [TestCase("[1,2]", 0, "expected an object of tensors")]
    [TestCase("{\"a\":3}", 0, "expected an object with dtype")]
    [TestCase("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "no dtype string")]
    [TestCase("{\"a\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "does not define")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, "no shape array")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "shape[0] = -2")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8, "expected an integer")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8, "expected an integer")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,2],\"data_offsets\":[0,8]}}", 8, "at most 8")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8, "too large to exist")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[0,4611686018427387904,4],\"data_offsets\":[0,0]}}", 0, "too large to exist")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 12 bytes")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "begin <= end")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, "begin <= end")]
    [TestCase("{" + TensorA + "}", 4, "outside the 4 data bytes")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16, "belong to no tensor")]
    [TestCase("{" + TensorA + "}", 12, "belong to no tensor")]
    [TestCase("{" + TensorA + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "overlaps")]
    [TestCase("{" + TensorA + "," + TensorA + "}", 8, "names 'a' twice")]
    [TestCase("{" + TensorA + ",\"__metadata__\":{\"k\":1}}", 8, "metadata 'k' is Number")]
    [TestCase("{" + TensorA + ",\"__metadata__\":[]}", 8, "expected an object of strings")]
    [TestCase("{" + TensorA + ",\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 8, "names 'k' twice")]
    [TestCase("{" + TensorA + ",\"__metadata__\":{\"nativenn.checksum\":\"md5:0\"}}", 8, "hexadecimal digits")]
    [TestCase("{" + TensorA + ",\"__metadata__\":{\"nativenn.checksum\":\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"}}", 8, "do not match the checksum")]
    [TestCase("{" + TensorA + ",\"__metadata__\":{\"nativenn.sha256\":\"00\"}}", 8, "does not match the checksum")]
    [TestCase("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}{}", 4, "not valid UTF-8 JSON")]
    [TestCase("{\"a\":[[[[[[[[[[1]]]]]]]]]]}", 0, "not valid UTF-8 JSON")]
    [TestCase("{\"\\ud800\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0, "not valid text")]
    public void MalformedHeaderIsRefusedWithWhatWasExpected(string header, int dataBytes, string expected)
    {
        var live = TensorMemory.LiveBytes;
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Parse(Build(header, new byte[dataBytes]), Source).Dispose())!;
        Assert.That(error.Message, Does.StartWith(Source).And.Contain(expected));
        Assert.That(TensorMemory.LiveBytes, Is.EqualTo(live));
    }

    [Test]
    public void HeaderThatIsNotUtf8IsRefused()
    {
        var header = Encoding.UTF8.GetBytes("{\"aX\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}");
        header[3] = 0xff;
        var bytes = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Parse(bytes, Source).Dispose())!;
        Assert.That(error.Message, Does.Contain("UTF-8"));
    }

    [TestCase(ulong.MaxValue, "header claims")]
    [TestCase(1UL << 40, "header claims")]
    [TestCase(200UL, "header claims")]
    public void HeaderLengthBeyondTheFileIsRefusedBeforeAllocating(ulong claimed, string expected)
    {
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, claimed);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Parse(bytes, Source).Dispose())!;
        Assert.That(error.Message, Does.Contain(expected).And.Contain("56"));
    }

    [Test]
    public void ValidFileOfADTypeNativeNNDoesNotHoldIsNotSupported()
    {
        var bytes = Build("{\"h\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]);
        var error = Assert.Throws<NotSupportedException>(() => SafeTensors.Parse(bytes, Source).Dispose())!;
        Assert.That(error.Message, Does.Contain("BF16").And.Contain("F32 and I64"));
    }

    [Test]
    public void ChecksumKeysCannotBeGivenAsMetadata()
    {
        using var tensor = Tensor.Zeros(1);
        var path = Path.Combine(Path.GetTempPath(), $"nativenn-reserved-{Guid.NewGuid():N}.safetensors");
        foreach (var key in new[] { SafeTensors.ChecksumKey, SafeTensors.DataChecksumKey })
        {
            Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, new Dictionary<string, Tensor> { ["t"] = tensor },
                new Dictionary<string, string> { [key] = "x" }));
        }
        Assert.That(File.Exists(path), Is.False);
    }

    [Test]
    public void ATemporaryFileIsNeverLeftBesideTheCheckpoint()
    {
        var folder = Directory.CreateTempSubdirectory("nativenn-atomic-").FullName;
        try
        {
            var path = Path.Combine(folder, "model.safetensors");
            using var tensor = Tensor.Ones(3);
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["t"] = tensor });
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["t"] = tensor });
            Assert.That(Directory.GetFiles(folder), Is.EqualTo(new[] { path }));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static byte[] Build(string header, byte[] data)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + headerBytes.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)headerBytes.Length);
        headerBytes.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + headerBytes.Length);
        return bytes;
    }
}
