namespace NativeNN.BindingGenerator;

// What the generator reads out of a header, independent of libclang so that the translation unit
// can be disposed before any C# is written.

internal abstract record CType;

/// <summary>A C scalar already mapped to its C# keyword (long, byte, nuint, void, ...).</summary>
internal sealed record PrimitiveType(string CSharpName) : CType;

internal enum NamedKind
{
    Enum,
    Struct,
    Opaque,
}

/// <summary>An enum, a struct or union, or an opaque (declared, never defined) struct.</summary>
internal sealed record NamedType(string Name, NamedKind Kind) : CType;

internal sealed record PointerType(CType Pointee, bool PointeeIsConst) : CType;

internal sealed record ArrayType(CType Element, long Length) : CType;

internal sealed record FunctionPointerType(CType Result, IReadOnlyList<CType> Parameters) : CType;

internal abstract record TypeDefinition(string Name, long Size, Documentation Documentation);

internal sealed record EnumDefinition(
    string Name, string UnderlyingType, long Size, IReadOnlyList<EnumMember> Members, Documentation Documentation)
    : TypeDefinition(Name, Size, Documentation);

internal sealed record EnumMember(string Name, string Value, Documentation Documentation);

internal sealed record StructDefinition(
    string Name, bool IsUnion, long Size, IReadOnlyList<FieldDefinition> Fields, Documentation Documentation)
    : TypeDefinition(Name, Size, Documentation);

internal sealed record FieldDefinition(string Name, CType Type, long Offset, Documentation Documentation);

internal sealed record ConstantDefinition(string Name, string CSharpType, string Value, Documentation Documentation);

internal sealed record FunctionDefinition(
    string Name, CType Result, IReadOnlyList<ParameterDefinition> Parameters, Documentation Documentation);

internal sealed record ParameterDefinition(string Name, CType Type);

internal sealed record HeaderModel(
    string DisplayPath,
    IReadOnlyList<ConstantDefinition> Constants,
    IReadOnlyList<TypeDefinition> Types,
    IReadOnlyList<FunctionDefinition> Functions,
    IReadOnlyList<string> OpaqueTypes,
    IReadOnlyList<string> Warnings);
