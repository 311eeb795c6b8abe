using System;

namespace Tracing.Sdk.Sampling;

/// <summary>Delegates on the parent: a root sampler, and one for each of remote/local × sampled/not sampled parents.</summary>
public sealed class ParentBasedSampler : Sampler
{
    /// <summary>Creates a parent-based sampler with the specification's defaults for the four parent cases.</summary>
    /// <param name="root">Decides for root spans.</param>
    /// <param name="remoteParentSampled">Default <see cref="Sampler.AlwaysOn"/>.</param>
    /// <param name="remoteParentNotSampled">Default <see cref="Sampler.AlwaysOff"/>.</param>
    /// <param name="localParentSampled">Default <see cref="Sampler.AlwaysOn"/>.</param>
    /// <param name="localParentNotSampled">Default <see cref="Sampler.AlwaysOff"/>.</param>
    public ParentBasedSampler(
        Sampler root,
        Sampler? remoteParentSampled = null,
        Sampler? remoteParentNotSampled = null,
        Sampler? localParentSampled = null,
        Sampler? localParentNotSampled = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        Root = root;
        RemoteParentSampled = remoteParentSampled ?? AlwaysOn;
        RemoteParentNotSampled = remoteParentNotSampled ?? AlwaysOff;
        LocalParentSampled = localParentSampled ?? AlwaysOn;
        LocalParentNotSampled = localParentNotSampled ?? AlwaysOff;
    }

    /// <summary>Decides for root spans.</summary>
    public Sampler Root { get; }

    /// <summary>Decides when the parent is remote and sampled.</summary>
    public Sampler RemoteParentSampled { get; }

    /// <summary>Decides when the parent is remote and not sampled.</summary>
    public Sampler RemoteParentNotSampled { get; }

    /// <summary>Decides when the parent is local and sampled.</summary>
    public Sampler LocalParentSampled { get; }

    /// <summary>Decides when the parent is local and not sampled.</summary>
    public Sampler LocalParentNotSampled { get; }

    /// <inheritdoc/>
    public override SamplingResult ShouldSample(in SamplingParameters parameters)
    {
        var parent = parameters.ParentContext;
        if (!parent.IsValid)
        {
            return Root.ShouldSample(parameters);
        }

        var sampler = parent.IsRemote
            ? (parent.IsSampled ? RemoteParentSampled : RemoteParentNotSampled)
            : (parent.IsSampled ? LocalParentSampled : LocalParentNotSampled);
        return sampler.ShouldSample(parameters);
    }

    /// <inheritdoc/>
    public override string Description =>
        $"ParentBased{{root:{Root.Description},remoteParentSampled:{RemoteParentSampled.Description},remoteParentNotSampled:{RemoteParentNotSampled.Description},localParentSampled:{LocalParentSampled.Description},localParentNotSampled:{LocalParentNotSampled.Description}}}";
}
