// A [M,K] (or [K,M] if transposed), B [K,N] (or [N,K] if transposed) -> C [M,N] = alpha op(A) op(B) + beta C
// BLIS's structure in C#: C is scaled by beta first; then for each NC-wide column block and
// KC-deep slice, B is packed into NR-wide slivers, each MC-row block of A (times alpha) into MR-row
// slivers, and a register micro-kernel adds one MR x NR tile, C[MR x NR] += A_sliver[MR x k] *
// B_sliver[k x NR], edge tiles through a scratch tile. Tasks of (row block, range of slivers) share
// one packed B.
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NativeNN.KernelBackends;

internal sealed partial class ManagedKernels
{
    public unsafe void MatMul(Tensor a, bool transposeA, Tensor b, bool transposeB, float alpha, float beta, Tensor c)
    {
        const string op = "MatMul";
        RequireMatrix(op, a, "a");
        RequireMatrix(op, b, "b");
        RequireMatrix(op, c, "c");
        var (m, k) = transposeA ? (a.Shape[1], a.Shape[0]) : (a.Shape[0], a.Shape[1]);
        var (rightK, n) = transposeB ? (b.Shape[1], b.Shape[0]) : (b.Shape[0], b.Shape[1]);
        if (k != rightK)
        {
            throw new ShapeMismatchException(
                $"{op}: a is {a.Description}{(transposeA ? " (transposed)" : "")} and b is {b.Description}{(transposeB ? " (transposed)" : "")}: inner sizes {k} and {rightK} differ");
        }
        if (c.Shape[0] != m || c.Shape[1] != n)
        {
            throw new ShapeMismatchException($"{op}: c is {c.Description} but the product of a {a.Description} and b {b.Description} is [{m},{n}]");
        }
        if (SameStorage(c, a) || SameStorage(c, b))
        {
            throw new ArgumentException($"{op}: c shares storage with a or b; the product needs a separate output");
        }
        ManagedGemm.Multiply(transposeA, transposeB, m, n, k, alpha, Data(a), a.Shape[1], Data(b), b.Shape[1], beta, Data(c), n,
            Backends.ThreadCount);
    }

    private static void RequireMatrix(string op, Tensor tensor, string name)
    {
        if (tensor.DType != DType.Float32 || tensor.Rank != 2)
        {
            throw new ShapeMismatchException($"{op}: {name} is {tensor.Description} but must be a 2-D float32 tensor");
        }
    }
}

internal static unsafe class ManagedGemm
{
    /// <summary>Block sizes of one micro-kernel: MR x NR registers tile, MC x KC packed A block,
    /// KC x NC packed B block.</summary>
    internal readonly record struct Blocking(string Name, int RowsPerTile, int ColumnsPerTile, int RowBlock, int DepthBlock, int ColumnBlock);

    // 8 x 32 holds 16 zmm accumulators and 2 B vectors of the 32 registers; a 256 x 32 B sliver
    // (32 KiB) stays in L1 and a 128 x 256 A block (128 KiB) in L2.
    internal static readonly Blocking Vector512Blocking = new("vector512 8x32", 8, 32, 128, 256, 2048);

    // 6 x 16 holds 12 ymm accumulators of AVX2's 16 registers.
    internal static readonly Blocking Vector256Blocking = new("vector256 6x16", 6, 16, 120, 256, 2048);

    internal static Blocking Active => Vector512.IsHardwareAccelerated ? Vector512Blocking : Vector256Blocking;

    // Below this many multiply-adds one thread finishes before a second one has started.
    private const long ParallelMultiplyAdds = 1 << 20;

    // Below this many multiply-adds packing costs more than it saves.
    private const long SmallMultiplyAdds = 4096;

    [ThreadStatic]
    private static float[]? packedA;

    [ThreadStatic]
    private static float[]? packedB;

    /// <summary>C = alpha op(A) op(B) + beta C with row-major strides; with beta = 0, C is not read.
    /// <paramref name="threads"/> caps the tasks (1 inside another parallel loop).</summary>
    public static void Multiply(bool transposeA, bool transposeB, long m, long n, long k, float alpha,
        float* a, long lda, float* b, long ldb, float beta, float* c, long ldc, int threads)
    {
        ScaleOutput(m, n, beta, c, ldc);
        if (m == 0 || n == 0 || k == 0 || alpha == 0f)
        {
            return;
        }
        if (m * n * k <= SmallMultiplyAdds)
        {
            MultiplySmall(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, c, ldc);
            return;
        }
        if (m * n * k < ParallelMultiplyAdds)
        {
            threads = 1;
        }
        var blocking = Active;
        var mr = blocking.RowsPerTile;
        var nr = blocking.ColumnsPerTile;
        var mc = blocking.RowBlock;
        var kc = blocking.DepthBlock;
        var nc = blocking.ColumnBlock;
        var bBuffer = packedB ??= GC.AllocateUninitializedArray<float>(kc * nc, pinned: true);
        fixed (float* bPanel = bBuffer)
        {
            var panel = bPanel;
            for (var jc = 0L; jc < n; jc += nc)
            {
                var columns = (int)Math.Min(nc, n - jc);
                var slivers = (columns + nr - 1) / nr;
                for (var pc = 0L; pc < k; pc += kc)
                {
                    var depth = (int)Math.Min(kc, k - pc);
                    var jStart = jc;
                    var pStart = pc;
                    PackB(transposeB, b, ldb, pStart, jStart, depth, columns, nr, panel, threads);
                    var rowBlocks = (int)((m + mc - 1) / mc);
                    var splits = threads <= 1 ? 1 : Math.Max(1, Math.Min(slivers, (threads + rowBlocks - 1) / rowBlocks));
                    var tasks = rowBlocks * splits;
                    void RunTask(int task)
                    {
                        var rowBlock = task / splits;
                        var split = task % splits;
                        var i0 = (long)rowBlock * mc;
                        var rows = (int)Math.Min(mc, m - i0);
                        var s0 = slivers * split / splits;
                        var s1 = slivers * (split + 1) / splits;
                        var aBuffer = packedA ??= GC.AllocateUninitializedArray<float>(blocking.RowBlock * blocking.DepthBlock, pinned: true);
                        fixed (float* aPanel = aBuffer)
                        {
                            PackA(transposeA, a, lda, i0, pStart, rows, depth, mr, alpha, aPanel);
                            MacroKernel(blocking, depth, rows, columns, s0, s1, aPanel, panel, c + i0 * ldc + jStart, ldc);
                        }
                    }
                    if (tasks == 1 || threads <= 1)
                    {
                        for (var task = 0; task < tasks; task++)
                        {
                            RunTask(task);
                        }
                    }
                    else
                    {
                        Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = threads }, RunTask);
                    }
                }
            }
        }
    }

    // C = beta C, or zeros when beta is 0 (C is then not read, so NaN left in it does not survive).
    private static void ScaleOutput(long m, long n, float beta, float* c, long ldc)
    {
        if (beta == 1f)
        {
            return;
        }
        for (var i = 0L; i < m; i++)
        {
            var row = new Span<float>(c + i * ldc, (int)n);
            if (beta == 0f)
            {
                row.Clear();
            }
            else
            {
                TensorPrimitives.Multiply(row, beta, row);
            }
        }
    }

    // The plain triple loop for problems too small to pack: C += alpha op(A) op(B).
    private static void MultiplySmall(bool transposeA, bool transposeB, long m, long n, long k, float alpha,
        float* a, long lda, float* b, long ldb, float* c, long ldc)
    {
        for (var i = 0L; i < m; i++)
        {
            for (var j = 0L; j < n; j++)
            {
                var sum = 0f;
                for (var l = 0L; l < k; l++)
                {
                    var left = transposeA ? a[l * lda + i] : a[i * lda + l];
                    var right = transposeB ? b[j * ldb + l] : b[l * ldb + j];
                    sum += left * right;
                }
                c[i * ldc + j] += alpha * sum;
            }
        }
    }

    // op(A)[i0 .. i0+rows, p0 .. p0+depth] times alpha -> slivers of mr rows: panel[s][p][r], rows past the edge zero.
    private static void PackA(bool transposeA, float* a, long lda, long i0, long p0, int rows, int depth, int mr, float alpha, float* panel)
    {
        for (var s = 0; s < rows; s += mr)
        {
            var sliver = panel + (long)s * depth;
            var height = Math.Min(mr, rows - s);
            if (transposeA)
            {
                for (var p = 0; p < depth; p++)
                {
                    var source = a + (p0 + p) * lda + i0 + s;
                    var target = sliver + p * mr;
                    var r = 0;
                    for (; r < height; r++)
                    {
                        target[r] = alpha * source[r];
                    }
                    for (; r < mr; r++)
                    {
                        target[r] = 0f;
                    }
                }
            }
            else
            {
                for (var r = 0; r < mr; r++)
                {
                    if (r < height)
                    {
                        var source = a + (i0 + s + r) * lda + p0;
                        for (var p = 0; p < depth; p++)
                        {
                            sliver[p * mr + r] = alpha * source[p];
                        }
                    }
                    else
                    {
                        for (var p = 0; p < depth; p++)
                        {
                            sliver[p * mr + r] = 0f;
                        }
                    }
                }
            }
        }
    }

    // op(B)[p0 .. p0+depth, j0 .. j0+columns] -> slivers of nr columns: panel[s][p][col], columns past the edge zero.
    private static void PackB(bool transposeB, float* b, long ldb, long p0, long j0, int depth, int columns, int nr, float* panel, int threads)
    {
        var slivers = (columns + nr - 1) / nr;
        void Pack(int s)
        {
            var sliver = panel + (long)s * depth * nr;
            var width = Math.Min(nr, columns - s * nr);
            var j = j0 + (long)s * nr;
            if (transposeB)
            {
                for (var column = 0; column < nr; column++)
                {
                    if (column < width)
                    {
                        var source = b + (j + column) * ldb + p0;
                        for (var p = 0; p < depth; p++)
                        {
                            sliver[p * nr + column] = source[p];
                        }
                    }
                    else
                    {
                        for (var p = 0; p < depth; p++)
                        {
                            sliver[p * nr + column] = 0f;
                        }
                    }
                }
            }
            else
            {
                for (var p = 0; p < depth; p++)
                {
                    var source = new ReadOnlySpan<float>(b + (p0 + p) * ldb + j, width);
                    var target = new Span<float>(sliver + p * nr, nr);
                    source.CopyTo(target);
                    target[width..].Clear();
                }
            }
        }
        if (threads > 1 && slivers > 1 && (long)depth * columns >= 1 << 16)
        {
            Parallel.For(0, slivers, new ParallelOptions { MaxDegreeOfParallelism = threads }, Pack);
        }
        else
        {
            for (var s = 0; s < slivers; s++)
            {
                Pack(s);
            }
        }
    }

    // Every mr x nr tile of slivers [s0, s1) of the packed B against every sliver of the packed A.
    private static void MacroKernel(in Blocking blocking, int depth, int rows, int columns, int s0, int s1,
        float* aPanel, float* bPanel, float* c, long ldc)
    {
        var mr = blocking.RowsPerTile;
        var nr = blocking.ColumnsPerTile;
        var wide = nr == 32;
        for (var s = s0; s < s1; s++)
        {
            var width = Math.Min(nr, columns - s * nr);
            var bSliver = bPanel + (long)s * depth * nr;
            for (var r = 0; r < rows; r += mr)
            {
                var height = Math.Min(mr, rows - r);
                var aSliver = aPanel + (long)r * depth;
                var tile = c + r * ldc + (long)s * nr;
                if (wide)
                {
                    Kernel8x32(depth, aSliver, bSliver, tile, ldc, height, width);
                }
                else
                {
                    Kernel6x16(depth, aSliver, bSliver, tile, ldc, height, width);
                }
            }
        }
    }

    // C[8 x 32] += A_sliver[8 x depth] B_sliver[depth x 32] in 16 zmm accumulators.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x32(int depth, float* a, float* b, float* c, long ldc, int rows, int columns)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (var p = 0; p < depth; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
            a += 8;
            b += 32;
        }
        if (rows == 8 && columns == 32)
        {
            AddRow512(c, c00, c01);
            AddRow512(c + ldc, c10, c11);
            AddRow512(c + 2 * ldc, c20, c21);
            AddRow512(c + 3 * ldc, c30, c31);
            AddRow512(c + 4 * ldc, c40, c41);
            AddRow512(c + 5 * ldc, c50, c51);
            AddRow512(c + 6 * ldc, c60, c61);
            AddRow512(c + 7 * ldc, c70, c71);
            return;
        }
        var tile = stackalloc float[8 * 32];
        c00.Store(tile); c01.Store(tile + 16); c10.Store(tile + 32); c11.Store(tile + 48);
        c20.Store(tile + 64); c21.Store(tile + 80); c30.Store(tile + 96); c31.Store(tile + 112);
        c40.Store(tile + 128); c41.Store(tile + 144); c50.Store(tile + 160); c51.Store(tile + 176);
        c60.Store(tile + 192); c61.Store(tile + 208); c70.Store(tile + 224); c71.Store(tile + 240);
        AddEdge(tile, 32, c, ldc, rows, columns);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow512(float* row, Vector512<float> left, Vector512<float> right)
    {
        (Vector512.Load(row) + left).Store(row);
        (Vector512.Load(row + 16) + right).Store(row + 16);
    }

    // C[6 x 16] += A_sliver[6 x depth] B_sliver[depth x 16] in 12 ymm accumulators.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(int depth, float* a, float* b, float* c, long ldc, int rows, int columns)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (var p = 0; p < depth; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            a += 6;
            b += 16;
        }
        var tile = stackalloc float[6 * 16];
        c00.Store(tile); c01.Store(tile + 8); c10.Store(tile + 16); c11.Store(tile + 24);
        c20.Store(tile + 32); c21.Store(tile + 40); c30.Store(tile + 48); c31.Store(tile + 56);
        c40.Store(tile + 64); c41.Store(tile + 72); c50.Store(tile + 80); c51.Store(tile + 88);
        AddEdge(tile, 16, c, ldc, rows, columns);
    }

    // C[rows x columns] += tile[rows x columns] (tile rows are width apart).
    private static void AddEdge(float* tile, int width, float* c, long ldc, int rows, int columns)
    {
        for (var r = 0; r < rows; r++)
        {
            var target = new Span<float>(c + r * ldc, columns);
            TensorPrimitives.Add(target, new ReadOnlySpan<float>(tile + r * width, columns), target);
        }
    }
}
