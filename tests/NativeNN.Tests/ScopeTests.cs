// Tensor.Scope(): temporaries are disposed at the end of the block, moved-out tensors survive.
namespace NativeNN.Tests;

public class ScopeTests
{
    [Test]
    public void ScopeDisposesEveryTensorCreatedInside()
    {
        Tensor first, second, view;
        using (Tensor.Scope())
        {
            first = Tensor.Ones(4);
            second = Tensor.Zeros(2, 2);
            view = second.Reshape(4);
        }
        Assert.That(new[] { first, second, view }.Select(tensor => tensor.IsDisposed), Is.All.True);
    }

    [Test]
    public void MovedOutTensorSurvivesItsScope()
    {
        Tensor kept, temporary;
        using (var scope = Tensor.Scope())
        {
            temporary = Tensor.Ones(3);
            kept = scope.MoveOut(Tensor.Full(2f, 3));
        }
        Assert.That(temporary.IsDisposed, Is.True);
        Assert.That(kept.IsDisposed, Is.False);
        Assert.That(kept.ToArray(), Is.EqualTo(new[] { 2f, 2f, 2f }));
        kept.Dispose();
    }

    [Test]
    public void MovingOutOfAnInnerScopeHandsTheTensorToTheOuterOne()
    {
        Tensor moved;
        using (Tensor.Scope())
        {
            using (var inner = Tensor.Scope())
            {
                moved = inner.MoveOut(Tensor.Ones(2));
            }
            Assert.That(moved.IsDisposed, Is.False);
        }
        Assert.That(moved.IsDisposed, Is.True, "the outer scope owns it after the move");
    }

    [Test]
    public void TensorsCreatedOutsideAnyScopeAreNotTouched()
    {
        using var outside = Tensor.Ones(2);
        using (Tensor.Scope())
        {
            using var sum = Tensor.Zeros(2);
        }
        Assert.That(outside.IsDisposed, Is.False);
    }

    [Test]
    public void DisposingAnOuterScopeBeforeItsInnerOneIsRefused()
    {
        var outer = Tensor.Scope();
        var inner = Tensor.Scope();
        var error = Assert.Throws<InvalidOperationException>(() => outer.Dispose())!;
        Assert.That(error.Message, Does.Contain("reverse order"));
        inner.Dispose();
        outer.Dispose();
    }

    [Test]
    public void MovingATensorThatIsNotInTheScopeIsRefused()
    {
        using var stranger = Tensor.Ones(1);
        using var scope = Tensor.Scope();
        Assert.Throws<InvalidOperationException>(() => scope.MoveOut(stranger));
    }

    [Test]
    public void ScopedWorkReturnsNativeMemoryToWhereItStarted()
    {
        var liveBefore = TensorMemory.LiveBytes;
        var tensorsBefore = TensorMemory.LiveTensors;
        for (var iteration = 0; iteration < 100; iteration++)
        {
            using (Tensor.Scope())
            {
                var a = Tensor.RandN([64, 64], (ulong)iteration);
                var b = a.Reshape(-1);
                _ = Tensor.Ones(1000);
                Assert.That(TensorMemory.LiveBytes, Is.GreaterThanOrEqualTo(liveBefore + 64 * 64 * 4 + 1000 * 4));
            }
        }
        Assert.That(TensorMemory.LiveBytes, Is.EqualTo(liveBefore));
        Assert.That(TensorMemory.LiveTensors, Is.EqualTo(tensorsBefore));
    }
}
