using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Tracing.Sdk.Exporter.Otlp.Serialization;

/// <summary>Encoded sizes of protobuf fields, mirroring what <see cref="ProtobufWriter"/> writes.</summary>
internal static class ProtobufSize
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Varint(ulong value) => value == 0 ? 1 : (BitOperations.Log2(value) / 7) + 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Tag(int field) => field < 16 ? 1 : 2; // the fields written here are all below 2048

    public static int VarintField(int field, ulong value) => Tag(field) + Varint(value);

    public static int Fixed64Field(int field) => Tag(field) + 8;

    public static int Fixed32Field(int field) => Tag(field) + 4;

    /// <summary>A nested message or bytes field of <paramref name="length"/> bytes, header included.</summary>
    public static int LengthDelimited(int field, int length) => Tag(field) + Varint((uint)length) + length;

    public static int StringField(int field, string value) => LengthDelimited(field, Encoding.UTF8.GetByteCount(value));
}
