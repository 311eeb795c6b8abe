using System;
using Tracing.Sdk.Processing;
using Xunit;

namespace Tracing.Sdk.Tests.Processing;

/// <summary>
/// An exporter serves one processor: a second one would call <c>Export</c> concurrently with the first and take over
/// its late outcomes (so one processor's pending spans would never be counted). The second gets a clear answer.
/// </summary>
public class ExporterOwnershipTests
{
    [Fact]
    public void ASecondBatchProcessor_OnTheSameExporter_IsRefusedWithAClearMessage()
    {
        var exporter = new CountingExporter();
        using var first = new BatchExportProcessor(exporter);

        var ex = Assert.Throws<InvalidOperationException>(() => new BatchExportProcessor(exporter));
        Assert.Contains("CountingExporter", ex.Message, StringComparison.Ordinal);
        Assert.Contains("BatchExportProcessor", ex.Message, StringComparison.Ordinal);
        Assert.Contains("one exporter per processor", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASimpleAndABatchProcessor_CannotShareAnExporter_InEitherOrder()
    {
        var a = new CountingExporter();
        using var simple = new SimpleExportProcessor(a);
        Assert.Throws<InvalidOperationException>(() => new BatchExportProcessor(a));

        var b = new CountingExporter();
        using var batch = new BatchExportProcessor(b);
        Assert.Throws<InvalidOperationException>(() => new SimpleExportProcessor(b));
    }

    [Fact]
    public void TheRefusedProcessor_LeavesTheFirstOneWorking()
    {
        var exporter = new CountingExporter();
        using (var first = new BatchExportProcessor(exporter))
        {
            Assert.Throws<InvalidOperationException>(() => new BatchExportProcessor(exporter));
            using var provider = new TracerProviderBuilder().AddProcessor(first).Build();
            var tracer = provider.GetTracer("ownership");
            for (int i = 0; i < 10; i++)
            {
                tracer.StartSpan("s").End();
            }

            Assert.True(first.ForceFlush(TimeSpan.FromSeconds(30)));
            Assert.Equal(10, first.Exported);
        }

        Assert.Equal(10, exporter.Spans);
    }
}
