using System;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Tracing.Sdk.Instrumentation;

/// <summary>
/// Reads one property of a <see cref="System.Diagnostics.DiagnosticListener"/> event's payload, whose type is usually
/// internal or anonymous. The property is looked up by name (ignoring case) once per payload type and cached; a payload
/// of another shape, or a property the trimmer removed, reads as null. Thread-safe. Linked source from src/Shared,
/// compiled into each instrumentation package (not part of any public API).
/// </summary>
/// <typeparam name="T">The property's type.</typeparam>
internal sealed class PayloadProperty<T>
    where T : class
{
    private readonly string _name;
    private Cache? _cache;

    /// <summary>Creates a reader for the property <paramref name="name"/>.</summary>
    /// <param name="name">The property name, for example <c>Request</c>.</param>
    public PayloadProperty(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _name = name;
    }

    /// <summary>The property's value, or null when the payload is null, has no such property, or holds another type.</summary>
    /// <param name="payload">The event payload.</param>
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "The runtime keeps its diagnostic payload properties; one the trimmer removed reads as null and the event is ignored.")]
    public T? Fetch(object? payload)
    {
        if (payload is null)
        {
            return null;
        }

        var type = payload.GetType();
        var cache = _cache;
        if (cache is null || cache.Type != type)
        {
            PropertyInfo? property;
            try
            {
                property = type.GetProperty(_name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            }
            catch (AmbiguousMatchException)
            {
                property = type.GetProperty(_name, BindingFlags.Public | BindingFlags.Instance);
            }

            cache = new Cache(type, property, TypedGetterOf(type, property));
            _cache = cache; // a reference write: readers see either the old or the new cache, both self-consistent
        }

        try
        {
            return cache.Getter is { } getter ? getter(payload) : cache.Property?.GetValue(payload) as T;
        }
        catch
        {
            return null;
        }
    }

    // A delegate bound to the property's getter, where code can be generated: PropertyInfo.GetValue goes through the
    // reflection invoker on every event (two of them per HttpClient request, seen in the web benchmark's profile),
    // a delegate call does not. Null (read through GetValue) when the payload is a struct, the property's type is not
    // a reference type, or the runtime cannot make the delegate.
    private static Func<object, T?>? TypedGetterOf(Type payloadType, PropertyInfo? property)
    {
        if (!RuntimeFeature.IsDynamicCodeSupported || property?.GetMethod is not { } getter || payloadType.IsValueType
            || property.PropertyType.IsValueType || getter.GetParameters().Length != 0)
        {
            return null;
        }

        try
        {
            var make = typeof(PayloadProperty<T>).GetMethod(nameof(MakeTypedGetter), BindingFlags.NonPublic | BindingFlags.Static)!;
            return (Func<object, T?>?)make.MakeGenericMethod(payloadType).Invoke(null, [getter]);
        }
        catch
        {
            return null;
        }
    }

    private static Func<object, T?> MakeTypedGetter<TPayload>(MethodInfo getter)
        where TPayload : class
    {
        var typed = getter.CreateDelegate<Func<TPayload, object?>>();
        return payload => typed(Unsafe.As<TPayload>(payload)) as T;
    }

    private sealed record Cache(Type Type, PropertyInfo? Property, Func<object, T?>? Getter);
}
