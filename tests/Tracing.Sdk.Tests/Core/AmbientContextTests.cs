using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Tracing.Sdk.TestSupport;
using Xunit;

namespace Tracing.Sdk.Tests.Core;

public class AmbientContextTests
{
    [Fact]
    public void StartActiveSpan_MakesTheSpanCurrent_AndDisposeRestoresThePrevious()
    {
        using var p = new TestPipeline();
        Assert.False(Tracer.CurrentSpan.Context.IsValid);
        using (var outer = p.Tracer.StartActiveSpan("outer"))
        {
            Assert.Equal(outer.Span.Context, Tracer.CurrentSpan.Context);
            using (var inner = p.Tracer.StartActiveSpan("inner"))
            {
                Assert.Equal(inner.Span.Context, Tracer.CurrentSpan.Context);
            }

            Assert.Equal(outer.Span.Context, Tracer.CurrentSpan.Context);
        }

        Assert.False(Tracer.CurrentSpan.Context.IsValid);
        Assert.Equal(p.Spans[1].SpanId, p.Spans[0].ParentSpanId);
    }

    [Fact]
    public async Task CurrentSpan_FlowsAcrossAwait_TaskRun_AndThreadPool()
    {
        using var p = new TestPipeline();
        using (var root = p.Tracer.StartActiveSpan("root"))
        {
            await Task.Yield();
            Assert.Equal(root.Span.Context, Tracer.CurrentSpan.Context);

            await Task.Run(async () =>
            {
                await Task.Delay(1);
                using var child = p.Tracer.StartSpan("from Task.Run");
            });

            var done = new TaskCompletionSource();
            ThreadPool.QueueUserWorkItem(_ =>
            {
                using (p.Tracer.StartSpan("from thread pool"))
                {
                }

                done.SetResult();
            });
            await done.Task.WaitAsync(TestTimeouts.InProcess);

            using (var scope = p.Tracer.StartActiveSpan("async child"))
            {
                await Task.Delay(1);
                Assert.Equal(scope.Span.Context, Tracer.CurrentSpan.Context);
            }

            Assert.Equal(root.Span.Context, Tracer.CurrentSpan.Context);
        }

        var rootData = p.Spans.Single(s => s.Name == "root");
        foreach (var name in new[] { "from Task.Run", "from thread pool", "async child" })
        {
            var s = p.Spans.Single(x => x.Name == name);
            Assert.Equal(rootData.SpanId, s.ParentSpanId);
            Assert.Equal(rootData.TraceId, s.TraceId);
        }
    }

    [Fact]
    public async Task ConcurrentFlows_DoNotSeeEachOthersSpans()
    {
        using var p = new TestPipeline();
        var tasks = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            using var scope = p.Tracer.StartActiveSpan("flow" + i);
            for (int j = 0; j < 20; j++)
            {
                await Task.Yield();
                Assert.Equal(scope.Span.Context, Tracer.CurrentSpan.Context);
                using var child = p.Tracer.StartSpan("child" + i);
            }
        }));
        await Task.WhenAll(tasks);

        foreach (var flow in p.Snapshot().Where(s => s.Name.StartsWith("flow")))
        {
            string i = flow.Name[4..];
            var children = p.Snapshot().Where(s => s.Name == "child" + i).ToList();
            Assert.Equal(20, children.Count);
            Assert.All(children, c => Assert.Equal(flow.SpanId, c.ParentSpanId));
        }
    }

    [Fact]
    public async Task CapturedContext_StillSeesTheOriginalParent_AfterTheParentsRecordIsReused()
    {
        using var p = new TestPipeline();
        var release = new TaskCompletionSource();
        Task background;
        SpanContext parent;
        using (var scope = p.Tracer.StartActiveSpan("request"))
        {
            parent = scope.Span.Context;
            background = Task.Run(async () =>
            {
                await release.Task;
                using var late = p.Tracer.StartSpan("late work");
            });
        }

        // Reuse the request's pooled record for unrelated spans on this thread.
        for (int i = 0; i < 10; i++)
        {
            p.Tracer.StartRootSpan("unrelated").End();
        }

        release.SetResult();
        await background.WaitAsync(TestTimeouts.InProcess);
        var late = p.Snapshot().Single(s => s.Name == "late work");
        Assert.Equal(parent.TraceId, late.TraceId);
        Assert.Equal(parent.SpanId, late.ParentSpanId);
    }

    [Fact]
    public void WithSpan_MakesAnyContextCurrent_WithoutEndingIt()
    {
        using var p = new TestPipeline();
        var remote = new SpanContext(IdGenerator.Random.NewTraceId(), IdGenerator.Random.NewSpanId(), TraceFlags.Sampled, null, true);
        using (Tracer.WithSpan(Span.FromContext(remote)))
        {
            using var child = p.Tracer.StartSpan("child");
            Assert.Equal(remote.TraceId, child.Context.TraceId);
        }

        var span = p.Tracer.StartSpan("kept open");
        using (Tracer.WithSpan(span))
        {
        }

        Assert.True(span.IsRecording);
        span.End();
        Assert.True(p.Spans[0].HasRemoteParent);
    }

    [Fact]
    public void StartRootSpan_IgnoresTheCurrentSpan()
    {
        using var p = new TestPipeline();
        using var outer = p.Tracer.StartActiveSpan("outer");
        using var root = p.Tracer.StartRootSpan("root");
        Assert.NotEqual(outer.Span.Context.TraceId, root.Context.TraceId);
    }

    [Fact]
    public void SpansFromManyThreads_AreAllExportedWithUniqueIds()
    {
        using var p = new TestPipeline();
        const int threads = 8, perThread = 2_000;
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            for (int i = 0; i < perThread; i++)
            {
                using var scope = p.Tracer.StartActiveSpan("parent");
                using var child = p.Tracer.StartSpan("child");
                child.SetAttribute("i", i);
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());

        var spans = p.Snapshot();
        Assert.Equal(threads * perThread * 2, spans.Count);
        Assert.Equal(spans.Count, spans.Select(s => s.SpanId).Distinct().Count());
        var parents = spans.Where(s => s.Name == "parent").ToDictionary(s => s.SpanId);
        Assert.All(spans.Where(s => s.Name == "child"), c => Assert.True(parents.ContainsKey(c.ParentSpanId)));
    }
}
