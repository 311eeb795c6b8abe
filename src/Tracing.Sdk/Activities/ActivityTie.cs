namespace Tracing.Sdk.Activities;

/// <summary>
/// What an Activity is tied to: the span that stands for it, and the provider that recorded it (null when nobody did,
/// for example a filtered request that only carries its caller's context).
/// </summary>
internal sealed class ActivityTie
{
    public ActivityTie(in Span span, TracerProvider? owner)
    {
        Span = span;
        Owner = owner;
    }

    public readonly Span Span;

    public readonly TracerProvider? Owner;
}
