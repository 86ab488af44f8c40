// safetensors: round trips, a file laid out by hand the way other tools write them, and every
// kind of damage refused with a message instead of loaded as garbage.
using System.Buffers.Binary;
using System.Text;
using NativeNN.IO;

namespace NativeNN.Tests.IO;

public class SafeTensorsTests
{
    private string folder = "";

    [SetUp]
    public void CreateFolder() => folder = Directory.CreateTempSubdirectory("nativenn-safetensors-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(folder, recursive: true);

    [Test]
    public void TensorsAndMetadataRoundTrip()
    {
        var path = Path.Combine(folder, "model.safetensors");
        using (var weight = Tensor.RandN([3, 4], 1))
        using (var labels = Tensor.FromArray([1L, -2L, long.MaxValue], 3))
        using (var scalar = Tensor.Scalar(2.5f))
        using (var empty = Tensor.Zeros(0, 7))
        {
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["layer.weight"] = weight, ["labels"] = labels, ["scale"] = scalar, ["empty"] = empty },
                new Dictionary<string, string> { ["model"] = "test" });
            using var loaded = SafeTensors.Load(path);
            Assert.Multiple(() =>
            {
                Assert.That(loaded.Tensors["layer.weight"].ToArray(), Is.EqualTo(weight.ToArray()));
                Assert.That(loaded.Tensors["layer.weight"].Shape.ToArray(), Is.EqualTo(new long[] { 3, 4 }));
                Assert.That(loaded.Tensors["labels"].ToInt64Array(), Is.EqualTo(labels.ToInt64Array()));
                Assert.That(loaded.Tensors["scale"].Rank, Is.EqualTo(0));
                Assert.That(loaded.Tensors["empty"].Shape.ToArray(), Is.EqualTo(new long[] { 0, 7 }));
                Assert.That(loaded.Metadata["model"], Is.EqualTo("test"));
            });
        }
        Assert.That(Directory.GetFiles(folder), Is.EqualTo(new[] { path }), "no temporary file is left behind");
    }

    [Test]
    public void LayoutFollowsTheFormatSoOtherToolsCanReadIt()
    {
        var path = Path.Combine(folder, "layout.safetensors");
        using (var tensor = Tensor.FromArray([1f, 2f], 2))
        {
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = tensor });
        }
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        Assert.Multiple(() =>
        {
            Assert.That((8 + headerLength) % 8, Is.EqualTo(0), "data starts 8-byte aligned");
            Assert.That(header, Does.Contain("\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"));
            Assert.That(BitConverter.ToSingle(bytes, 8 + headerLength + 4), Is.EqualTo(2f), "little-endian float data");
            Assert.That(bytes.Length, Is.EqualTo(8 + headerLength + 8));
        });
    }

    [Test]
    public void FileWrittenByAnotherToolLoads()
    {
        // As Python's safetensors lays it out: tensors ordered by data offset, not name, a header
        // padded with spaces, no checksum in the metadata, I64 and F32 mixed.
        var header = "{\"b\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[16,32]},\"a\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},\"__metadata__\":{\"format\":\"pt\"}}";
        var padded = header + new string(' ', (8 - header.Length % 8) % 8);
        using var stream = new MemoryStream();
        stream.Write(BitConverter.GetBytes((ulong)padded.Length));
        stream.Write(Encoding.UTF8.GetBytes(padded));
        stream.Write(BitConverter.GetBytes(7L));
        stream.Write(BitConverter.GetBytes(-9L));
        foreach (var value in new[] { 0.5f, 1.5f, -2f, 4f })
        {
            stream.Write(BitConverter.GetBytes(value));
        }
        var path = Path.Combine(folder, "other.safetensors");
        File.WriteAllBytes(path, stream.ToArray());
        using var loaded = SafeTensors.Load(path);
        Assert.That(loaded.Tensors["a"].ToInt64Array(), Is.EqualTo(new[] { 7L, -9L }));
        Assert.That(loaded.Tensors["b"].ToArray(), Is.EqualTo(new[] { 0.5f, 1.5f, -2f, 4f }));
        Assert.That(loaded.Metadata["format"], Is.EqualTo("pt"));
    }

    [Test]
    public void TruncatedFileIsRefused()
    {
        var path = SaveSample();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^5]);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path))!;
        Assert.That(error.Message, Does.Contain(path).And.Contain("outside"));
    }

    [Test]
    public void FlippedDataBitIsCaughtByTheChecksum()
    {
        var path = SaveSample();
        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path))!;
        Assert.That(error.Message, Does.Contain("checksum"));
    }

    [Test]
    public void AbsurdHeaderLengthIsRefusedBeforeAllocating()
    {
        var path = Path.Combine(folder, "huge.safetensors");
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue / 2);
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path))!;
        Assert.That(error.Message, Does.Contain("header claims"));
    }

    [Test]
    public void BrokenJsonAndUnsupportedDTypesAreNamed()
    {
        var broken = WriteRaw("{\"a\":{\"dtype\":", []);
        Assert.That(Assert.Throws<InvalidDataException>(() => SafeTensors.Load(broken))!.Message, Does.Contain("JSON"));
        var half = WriteRaw("{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}", new byte[2]);
        Assert.That(Assert.Throws<NotSupportedException>(() => SafeTensors.Load(half))!.Message, Does.Contain("F16"));
        var overlapping = WriteRaw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]);
        Assert.That(Assert.Throws<InvalidDataException>(() => SafeTensors.Load(overlapping))!.Message, Does.Contain("overlap"));
        var wrongSize = WriteRaw("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);
        Assert.That(Assert.Throws<InvalidDataException>(() => SafeTensors.Load(wrongSize))!.Message, Does.Contain("needs 12 bytes"));
    }

    [Test]
    public void MissingFileSaysWhere()
    {
        var path = Path.Combine(folder, "absent.safetensors");
        var error = Assert.Throws<FileNotFoundException>(() => SafeTensors.Load(path))!;
        Assert.That(error.Message, Does.Contain(path));
    }

    [Test]
    public void FailedLoadLeavesNoNativeMemoryBehind()
    {
        var path = SaveSample();
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        var live = TensorMemory.LiveBytes;
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.That(TensorMemory.LiveBytes, Is.EqualTo(live));
    }

    private string SaveSample()
    {
        var path = Path.Combine(folder, "sample.safetensors");
        using var first = Tensor.RandN([8, 8], 3);
        using var second = Tensor.RandN([5], 4);
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["first"] = first, ["second"] = second });
        return path;
    }

    private string WriteRaw(string header, byte[] data)
    {
        var path = Path.Combine(folder, $"raw-{Guid.NewGuid():N}.safetensors");
        var headerBytes = Encoding.UTF8.GetBytes(header);
        using var stream = new MemoryStream();
        stream.Write(BitConverter.GetBytes((ulong)headerBytes.Length));
        stream.Write(headerBytes);
        stream.Write(data);
        File.WriteAllBytes(path, stream.ToArray());
        return path;
    }
}
