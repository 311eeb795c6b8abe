using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Tracing.Sdk.Sampling;

namespace Tracing.Sdk.Extensions.Hosting;

/// <summary>
/// Live sampling reconfiguration under <c>AddTracing</c>: the provider's sampler is one that delegates to an immutable
/// sampler held in a single reference; when <see cref="IConfiguration"/> reloads and the sampling settings (the
/// <c>Tracing:Sampling</c> section, <c>Tracing:Sampler</c> / <c>Tracing:SamplerArgument</c>, or the
/// <c>OTEL_TRACES_SAMPLER*</c> keys) now describe another sampler, the reference is swapped atomically — new spans see
/// either the old or the new sampler whole — and one log line says what changed. Invalid new settings keep the sampler
/// in force (with a warning). A sampler set in code wins, and is never replaced.
/// </summary>
internal sealed class SamplingReload : IDisposable
{
    private const string SectionPath = TracingSettings.SectionName + ":Sampling";

    private static readonly Action<ILogger, string, Exception?> s_invalidAtStart = LoggerMessage.Define<string>(
        LogLevel.Warning, new EventId(1, "SamplingInvalid"), "Tracing sampling configuration is invalid ({Error}); sampling everything (parentbased_always_on).");

    private static readonly Action<ILogger, string, string, Exception?> s_invalidKept = LoggerMessage.Define<string, string>(
        LogLevel.Warning, new EventId(2, "SamplingInvalidKept"), "Tracing sampling configuration is invalid ({Error}); keeping {Sampler}.");

    private static readonly Action<ILogger, string, string, Exception?> s_changed = LoggerMessage.Define<string, string>(
        LogLevel.Information, new EventId(3, "SamplerChanged"), "Tracing sampler changed from {Previous} to {Current}.");

    private readonly IConfiguration _configuration;
    private readonly ILogger? _logger;
    private readonly ReloadableSampler _sampler;
    private readonly object _lock = new();
    private IDisposable? _subscription;
    private string _settingsKey;
    private bool _disposed;

    private SamplingReload(IConfiguration configuration, ILogger? logger, Sampler initial)
    {
        _configuration = configuration;
        _logger = logger;
        _sampler = new ReloadableSampler(initial);
        _settingsKey = SettingsKey(configuration);
    }

    /// <summary>The sampler the builder is given: the reloadable one.</summary>
    public Sampler Sampler => _sampler;

    /// <summary>The sampler in force.</summary>
    public Sampler Current => _sampler.Current;

    /// <summary>
    /// Gives <paramref name="builder"/> a reloadable sampler read from <paramref name="configuration"/>, and watches
    /// the configuration once the provider is built. Does nothing when the configuration names no sampler (the
    /// builder then reads the environment as usual).
    /// </summary>
    public static void Install(TracerProviderBuilder builder, IConfiguration? configuration, ILoggerFactory? loggers)
    {
        if (configuration is null || !NamesSampler(configuration)
            || string.Equals(new TracingSettings(configuration).Get("OTEL_SDK_DISABLED")?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
        {
            // A disabled SDK samples nothing and never starts instrumentations: building a sampler (a remote one polls) would leak it.
            return;
        }

        var logger = loggers?.CreateLogger("Tracing.Sdk.Sampling");
        if (!TryRead(configuration, out var initial, out string? error))
        {
            if (logger is not null)
            {
                s_invalidAtStart(logger, error ?? string.Empty, null);
            }

            initial = Sampler.ParentBased(Sampler.AlwaysOn);
        }

        var reload = new SamplingReload(configuration, logger, initial);
        builder.SetSampler(reload.Sampler);
        builder.AddInstrumentation(provider => reload.Watch(provider));
    }

    private static bool NamesSampler(IConfiguration configuration)
    {
        var settings = new TracingSettings(configuration);
        return configuration.GetSection(SectionPath).Exists() || !string.IsNullOrWhiteSpace(settings.Get("OTEL_TRACES_SAMPLER"));
    }

    private SamplingReload? Watch(TracerProvider provider)
    {
        if (!ReferenceEquals(provider.Sampler, _sampler))
        {
            // A sampler set in code replaced ours: it stays, and ours (a remote sampler's poller) is stopped.
            DisposeOwned(_sampler.Current);
            return null;
        }

        _subscription = ChangeToken.OnChange(_configuration.GetReloadToken, Reload);
        return this;
    }

    /// <summary>Reads the configuration again and swaps the sampler when it changed. Called on every reload.</summary>
    internal void Reload()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            // Only the sampling settings matter: a reload that changed other keys (log levels) must not rebuild
            // the sampler, which would reset a remote sampler's fetched strategy to its initial rate.
            string key = SettingsKey(_configuration);
            if (key == _settingsKey)
            {
                return;
            }

            _settingsKey = key;
            if (!TryRead(_configuration, out var next, out string? error))
            {
                if (_logger is not null)
                {
                    s_invalidKept(_logger, error ?? string.Empty, _sampler.Current.Description, null);
                }

                return;
            }

            var previous = _sampler.Current;
            if (previous.Description == next.Description && !Owns(next))
            {
                return; // The same sampler, written differently.
            }

            _sampler.Swap(next);
            if (_logger is not null)
            {
                s_changed(_logger, previous.Description, next.Description, null);
            }

            DisposeOwned(previous);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _subscription?.Dispose();
            DisposeOwned(_sampler.Current);
        }
    }

    // A remote sampler's settings (endpoint, interval) are not all in its description: a changed one always replaces it.
    private static bool Owns(Sampler sampler) => sampler is IDisposable || (sampler as ParentBasedSampler)?.Root is IDisposable;

    private static void DisposeOwned(Sampler sampler)
        => ((sampler as IDisposable) ?? ((sampler as ParentBasedSampler)?.Root as IDisposable))?.Dispose();

    /// <summary>Everything the sampler is built from, as one string: equal strings build equal samplers.</summary>
    internal static string SettingsKey(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionPath);
        var parts = new List<string>();
        if (section.Exists())
        {
            foreach (var kv in section.AsEnumerable())
            {
                parts.Add(kv.Key + "=" + kv.Value);
            }

            parts.Sort(StringComparer.Ordinal);
        }
        else
        {
            var settings = new TracingSettings(configuration);
            parts.Add(settings.Get("OTEL_TRACES_SAMPLER") ?? string.Empty);
            parts.Add(settings.Get("OTEL_TRACES_SAMPLER_ARG") ?? string.Empty);
            parts.Add(settings.Get("OTEL_SERVICE_NAME") ?? string.Empty);
        }

        return string.Join("\n", parts);
    }

    /// <summary>The sampler the configuration describes now; false (with the reason) when it is invalid.</summary>
    internal static bool TryRead(IConfiguration configuration, out Sampler sampler, out string? error)
    {
        error = null;
        var section = configuration.GetSection(SectionPath);
        if (section.Exists())
        {
            return TryReadSection(section, out sampler, out error);
        }

        var settings = new TracingSettings(configuration);
        string? name = settings.Get("OTEL_TRACES_SAMPLER")?.Trim();
        string? arg = settings.Get("OTEL_TRACES_SAMPLER_ARG");
        if (name is not null && name.EndsWith("rules", StringComparison.OrdinalIgnoreCase)
            && !RuleBasedSampler.TryParse(arg ?? string.Empty, out _, out error))
        {
            sampler = Sampler.AlwaysOff;
            return false;
        }

        sampler = Sampler.FromSettings(settings.Get, settings.Get("OTEL_SERVICE_NAME")) ?? Sampler.ParentBased(Sampler.AlwaysOn);
        return true;
    }

    // Tracing:Sampling = { ParentBased: true, Rules: [ { Method, Path, Route, Name, Kind, Attributes: { k: v }, Ratio, RatePerSecond } ], Default: { Ratio, RatePerSecond } }
    // or Tracing:Sampling:Rules as the text grammar of RuleBasedSampler.
    private static bool TryReadSection(IConfigurationSection section, out Sampler sampler, out string? error)
    {
        sampler = Sampler.AlwaysOff;
        error = null;
        try
        {
            RuleBasedSampler rules;
            var rulesSection = section.GetSection("Rules");
            if (rulesSection.Value is { } text)
            {
                if (!RuleBasedSampler.TryParse(text, out var parsed, out error))
                {
                    return false;
                }

                rules = parsed;
            }
            else
            {
                var list = new List<SamplingRule>();
                foreach (var item in rulesSection.GetChildren())
                {
                    var attributes = new List<KeyValuePair<string, string>>();
                    foreach (var a in item.GetSection("Attributes").GetChildren())
                    {
                        attributes.Add(new(a.Key, a.Value ?? string.Empty));
                    }

                    list.Add(new SamplingRule
                    {
                        Method = item["Method"],
                        Path = item["Path"],
                        Route = item["Route"],
                        SpanName = item["Name"],
                        Kind = Kind(item["Kind"]),
                        Attributes = attributes,
                        Ratio = Number(item["Ratio"], "Ratio"),
                        SpansPerSecond = Number(item["RatePerSecond"], "RatePerSecond"),
                    });
                }

                var fallback = section.GetSection("Default");
                double? defaultRatio = Number(fallback.Value ?? fallback["Ratio"] ?? section["DefaultRatio"], "Default:Ratio");
                double? defaultRate = Number(fallback["RatePerSecond"], "Default:RatePerSecond");
                rules = new RuleBasedSampler(list, new SamplingRule { Ratio = defaultRatio, SpansPerSecond = defaultRate });
            }

            bool parentBased = section["ParentBased"] is not { } pb || !bool.TryParse(pb, out bool b) || b;
            sampler = parentBased ? Sampler.ParentBased(rules) : rules;
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            error = ex.Message;
            return false;
        }
    }

    private static double? Number(string? text, string name)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            ? v
            : throw new FormatException($"{name} '{text}' is not a number.");
    }

    private static SpanKind? Kind(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return Enum.TryParse(text, ignoreCase: true, out SpanKind kind) && Enum.IsDefined(kind) && !int.TryParse(text, out _)
            ? kind
            : throw new FormatException($"Kind '{text}' is not a span kind.");
    }

    /// <summary>Delegates to one immutable sampler; swapping it is one reference write.</summary>
    private sealed class ReloadableSampler(Sampler initial) : Sampler
    {
        private Sampler _current = initial;

        public Sampler Current => Volatile.Read(ref _current);

        public void Swap(Sampler next) => Volatile.Write(ref _current, next);

        public override SamplingResult ShouldSample(in SamplingParameters parameters) => Volatile.Read(ref _current).ShouldSample(parameters);

        public override string Description => Current.Description;
    }
}
