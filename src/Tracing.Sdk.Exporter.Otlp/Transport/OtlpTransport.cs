using System;
using System.Threading;
using Tracing.Sdk.Exporter.Otlp.Serialization;
using Tracing.Sdk.Exporting.Retry;

namespace Tracing.Sdk.Exporter.Otlp.Transport;

/// <summary>Sends one encoded request once. Retrying is the exporter's job; a transport only classifies the outcome.</summary>
internal abstract class OtlpTransport : IDisposable
{
    public abstract Uri Endpoint { get; }

    /// <summary>Sends <paramref name="request"/>; never throws (failures are classified into the result).</summary>
    public abstract SendResult Send(ExportBuffer request, TimeSpan timeout, CancellationToken cancellationToken);

    public abstract void Dispose();
}
