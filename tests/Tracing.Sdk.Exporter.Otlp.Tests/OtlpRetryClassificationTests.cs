using System;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using Tracing.Sdk.Exporter.Otlp.Transport;
using Tracing.Sdk.Exporting.Retry;
using GrpcStatusCode = Grpc.Core.StatusCode;

namespace Tracing.Sdk.Exporter.Otlp.Tests;

public sealed class OtlpRetryClassificationTests
{
    [Theory]
    [InlineData(GrpcStatusCode.Cancelled)]
    [InlineData(GrpcStatusCode.DeadlineExceeded)]
    [InlineData(GrpcStatusCode.Aborted)]
    [InlineData(GrpcStatusCode.OutOfRange)]
    [InlineData(GrpcStatusCode.Unavailable)]
    [InlineData(GrpcStatusCode.DataLoss)]
    public void Classify_TreatsTheSpecsTransientGrpcCodesAsRetryable(GrpcStatusCode code)
    {
        Assert.Equal(SendStatus.Retryable, OtlpGrpcTransport.Classify((GrpcStatus)(int)code, "x", default).Status);
    }

    [Theory]
    [InlineData(GrpcStatusCode.InvalidArgument)]
    [InlineData(GrpcStatusCode.PermissionDenied)]
    [InlineData(GrpcStatusCode.Unauthenticated)]
    [InlineData(GrpcStatusCode.Unimplemented)]
    [InlineData(GrpcStatusCode.Internal)]
    [InlineData(GrpcStatusCode.ResourceExhausted)]
    public void Classify_TreatsOtherGrpcCodesAsPermanent(GrpcStatusCode code)
    {
        Assert.Equal(SendStatus.Permanent, OtlpGrpcTransport.Classify((GrpcStatus)(int)code, "x", default).Status);
    }

    [Fact]
    public void Classify_RetriesResourceExhausted_WithTheRetryInfoDelay()
    {
        byte[] details = OtlpReceiver.StatusWithRetryInfo(8, TimeSpan.FromMilliseconds(1500));

        var result = OtlpGrpcTransport.Classify(GrpcStatus.ResourceExhausted, "slow down", details);

        Assert.Equal(SendStatus.Retryable, result.Status);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), result.RetryAfter);
    }

    [Fact]
    public void RetryHint_IgnoresMalformedStatusDetails()
    {
        Assert.Null(RetryHint.FromStatusDetails([0x1a, 0xff, 0xff, 0xff]));
        Assert.Null(RetryHint.FromStatusDetails([]));
    }

    [Fact]
    public void RetryAfter_ReadsSecondsAndHttpDates()
    {
        using var seconds = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        seconds.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
        using var date = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        date.Headers.RetryAfter = new RetryConditionHeaderValue(DateTimeOffset.UtcNow.AddHours(1));
        using var past = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        past.Headers.RetryAfter = new RetryConditionHeaderValue(DateTimeOffset.UtcNow.AddHours(-1));

        Assert.Equal(TimeSpan.FromSeconds(7), RetryAfterHeader.Read(seconds, DateTimeOffset.UtcNow));
        Assert.InRange(RetryAfterHeader.Read(date, DateTimeOffset.UtcNow)!.Value, TimeSpan.FromMinutes(50), TimeSpan.FromMinutes(61));
        Assert.Equal(TimeSpan.Zero, RetryAfterHeader.Read(past, DateTimeOffset.UtcNow));
    }
}
