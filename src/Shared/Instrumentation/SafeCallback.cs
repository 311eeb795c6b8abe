using System;

namespace Tracing.Sdk.Instrumentation;

/// <summary>
/// Runs the application's filter and enrichment callbacks (linked source from src/Shared): a callback that throws is
/// logged to the package's EventSource and never reaches the request. A throwing filter lets the request be traced.
/// </summary>
internal static class SafeCallback
{
    public static bool Filter<T>(Func<T, bool> filter, T value)
    {
        try
        {
            return filter(value);
        }
        catch (Exception ex)
        {
            InstrumentationEventSource.Log.Failed("Filter", ex.Message);
            return true;
        }
    }

    public static void Enrich<T>(Action<Span, T> enrich, Span span, T value)
    {
        try
        {
            enrich(span, value);
        }
        catch (Exception ex)
        {
            InstrumentationEventSource.Log.Failed("Enrich", ex.Message);
        }
    }
}
