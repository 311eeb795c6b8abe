using System;
using System.Collections.Generic;
using System.Diagnostics.Tracing;
using System.Linq;
using Tracing.Sdk.Processing;
using Tracing.Sdk.TestSupport;
using Xunit;

namespace Tracing.Sdk.Tests.Processing;

public class BatchExportProcessorOptionsTests
{
    private static Func<string, string?> Settings(params (string Name, string Value)[] values)
    {
        var map = values.ToDictionary(v => v.Name, v => v.Value);
        return name => map.TryGetValue(name, out var v) ? v : null;
    }

    [Fact]
    public void Defaults_FollowTheOpenTelemetrySpecification()
    {
        var options = new BatchExportProcessorOptions();
        Assert.Equal(2048, options.MaxQueueSize);
        Assert.Equal(TimeSpan.FromMilliseconds(5000), options.ScheduledDelay);
        Assert.Equal(512, options.MaxExportBatchSize);
        Assert.Equal(TimeSpan.FromMilliseconds(30_000), options.ExportTimeout);
        Assert.Equal(options, BatchExportProcessorOptions.FromSettings(static _ => null));
    }

    [Fact]
    public void FromSettings_ReadsEveryOtelBspVariable()
    {
        var options = BatchExportProcessorOptions.FromSettings(Settings(
            ("OTEL_BSP_MAX_QUEUE_SIZE", "4096"),
            ("OTEL_BSP_SCHEDULE_DELAY", " 250 "),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "100"),
            ("OTEL_BSP_EXPORT_TIMEOUT", "1000")));

        Assert.Equal(4096, options.MaxQueueSize);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.ScheduledDelay);
        Assert.Equal(100, options.MaxExportBatchSize);
        Assert.Equal(TimeSpan.FromMilliseconds(1000), options.ExportTimeout);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    [InlineData("+5")]
    public void FromSettings_KeepsTheDefaultAndWarns_WhenAValueIsInvalid(string raw)
    {
        using var listener = new EventLog("Tracing-Sdk", EventLevel.Warning);
        var options = BatchExportProcessorOptions.FromSettings(Settings(
            ("OTEL_BSP_MAX_QUEUE_SIZE", raw),
            ("OTEL_BSP_SCHEDULE_DELAY", raw),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", raw),
            ("OTEL_BSP_EXPORT_TIMEOUT", raw)));

        Assert.Equal(new BatchExportProcessorOptions(), options);
        foreach (var name in new[] { "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "OTEL_BSP_EXPORT_TIMEOUT" })
        {
            Assert.Contains(listener.Events, e => e.EventName == "InvalidConfiguration" && (string?)e.Payload![0] == name && (string?)e.Payload[1] == raw);
        }
    }

    [Fact]
    public void AddExporter_ReadsTheBuildersSettings_AndCodeOverridesThem()
    {
        var settings = Settings(("OTEL_BSP_MAX_QUEUE_SIZE", "300"), ("OTEL_BSP_SCHEDULE_DELAY", "700"));
        var builder = new TracerProviderBuilder().SetSettingsSource(settings);
        using var provider = builder.AddExporter(new DiscardingExporter(), o => o.ScheduledDelay = TimeSpan.FromMilliseconds(900)).Build();

        var processor = Assert.IsType<BatchExportProcessor>(Assert.Single(provider.Processors));
        var effective = processor.EffectiveOptions;
        Assert.Equal(300, effective.MaxQueueSize);
        Assert.Equal(TimeSpan.FromMilliseconds(900), effective.ScheduledDelay);

        // The batch size is capped at the queue size.
        Assert.Equal(300, effective.MaxExportBatchSize);
        Assert.Equal(TimeSpan.FromMilliseconds(30_000), effective.ExportTimeout);
    }

    [Fact]
    public void Constructor_RejectsNonPositiveValuesSetInCode()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchExportProcessor(new DiscardingExporter(), new() { MaxQueueSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchExportProcessor(new DiscardingExporter(), new() { ExportTimeout = TimeSpan.FromMilliseconds(-1) }));
    }
}
