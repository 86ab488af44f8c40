using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static NativeNN.BindingGenerator.LibClang;

namespace NativeNN.BindingGenerator;

/// <summary>
/// Reads a C header through libclang into a <see cref="HeaderModel"/>. Declarations are taken
/// from the header's own directory (so the ABI may later be split over several headers) and
/// kept in the order they appear.
/// </summary>
internal sealed unsafe class HeaderParser
{
    // Fixed-width and size types are recognized by their typedef name before clang resolves
    // them: int64_t is `long` on Linux and `long long` on Windows, and both must become C# long.
    private static readonly Dictionary<string, string> TypedefNames = new(StringComparer.Ordinal)
    {
        ["int8_t"] = "sbyte",
        ["uint8_t"] = "byte",
        ["int16_t"] = "short",
        ["uint16_t"] = "ushort",
        ["int32_t"] = "int",
        ["uint32_t"] = "uint",
        ["int64_t"] = "long",
        ["uint64_t"] = "ulong",
        ["size_t"] = "nuint",
        ["ptrdiff_t"] = "nint",
        ["intptr_t"] = "nint",
        ["uintptr_t"] = "nuint",
    };

    private static readonly HashSet<string> PlatformDependentTypedefNames = new(StringComparer.Ordinal)
    {
        "wchar_t", "ssize_t", "off_t", "time_t", "clock_t", "intmax_t", "uintmax_t",
    };

    private readonly nint translationUnit;
    private readonly string headerDirectory;
    private readonly Dictionary<string, string> tagNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CXCursor> namingTypedefs = new(StringComparer.Ordinal);
    private readonly HashSet<string> definedTags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> sourceLines = new(StringComparer.Ordinal);
    private readonly List<ConstantDefinition> constants = [];
    private readonly List<TypeDefinition> types = [];
    private readonly List<FunctionDefinition> functions = [];
    private readonly List<string> opaqueTypes = [];

    private HeaderParser(nint translationUnit, string headerDirectory)
    {
        this.translationUnit = translationUnit;
        this.headerDirectory = headerDirectory;
    }

    public static HeaderModel Parse(string headerPath)
    {
        var fullPath = Path.GetFullPath(headerPath);
        if (!File.Exists(fullPath))
        {
            throw new GenerationException($"header '{headerPath}' does not exist");
        }
        string[] arguments =
        [
            "-x", "c", "-std=c11",
            // A fixed 64-bit target makes the output, layout numbers included, the same on every
            // machine that runs the generator; fixed-width fields lay out alike on all 64-bit ABIs.
            "--target=x86_64-pc-linux-gnu",
            // Freestanding: stdint.h and stddef.h come from clang's own headers, not the C library.
            "-ffreestanding",
            "-isystem", FindBuiltinIncludeDirectory(),
        ];

        var index = clang_createIndex(0, 0);
        try
        {
            var translationUnit = ParseTranslationUnit(index, fullPath, arguments);
            try
            {
                var warnings = CheckDiagnostics(translationUnit);
                var parser = new HeaderParser(translationUnit, Path.GetDirectoryName(fullPath)!);
                parser.ReadDeclarations();
                return new HeaderModel(
                    DisplayPath(fullPath), parser.constants, parser.types, parser.functions, parser.opaqueTypes, warnings);
            }
            finally
            {
                clang_disposeTranslationUnit(translationUnit);
            }
        }
        finally
        {
            clang_disposeIndex(index);
        }
    }

    /// <summary>
    /// Finds clang's builtin headers (stddef.h, stdint.h), preferring those of the libclang in
    /// use and otherwise the newest installed.
    /// </summary>
    private static string FindBuiltinIncludeDirectory()
    {
        var candidates = new List<(Version Version, string Directory)>();
        foreach (var llvm in SafeDirectories("/usr/lib", "llvm-*"))
        {
            foreach (var clangVersion in SafeDirectories(Path.Combine(llvm, "lib", "clang"), "*"))
            {
                var include = Path.Combine(clangVersion, "include");
                if (File.Exists(Path.Combine(include, "stddef.h"))
                    && Version.TryParse(NormalizeVersion(Path.GetFileName(clangVersion)), out var version))
                {
                    candidates.Add((version, include));
                }
            }
        }
        if (candidates.Count == 0)
        {
            throw new GenerationException(
                "clang's builtin headers were not found (no /usr/lib/llvm-*/lib/clang/*/include/stddef.h); " +
                "install libclang-common-14-dev");
        }
        var libraryMajor = LoadedClangMajorVersion();
        return candidates
            .OrderByDescending(candidate => candidate.Version.Major == libraryMajor)
            .ThenByDescending(candidate => candidate.Version)
            .ThenBy(candidate => candidate.Directory, StringComparer.Ordinal)
            .First().Directory;
    }

    private static IEnumerable<string> SafeDirectories(string parent, string pattern) =>
        Directory.Exists(parent) ? Directory.GetDirectories(parent, pattern) : [];

    private static string NormalizeVersion(string text) => text.Contains('.') ? text : text + ".0";

    private static int LoadedClangMajorVersion()
    {
        // "Debian clang version 14.0.6": the first number after "version".
        var text = Take(clang_getClangVersion());
        var at = text.IndexOf("version ", StringComparison.Ordinal);
        if (at < 0)
        {
            return -1;
        }
        var digits = new string(text[(at + "version ".Length)..].TakeWhile(char.IsDigit).ToArray());
        return int.TryParse(digits, CultureInfo.InvariantCulture, out var major) ? major : -1;
    }

    private static nint ParseTranslationUnit(nint index, string path, string[] arguments)
    {
        var allocations = new List<nint>();
        try
        {
            byte* Utf8(string text)
            {
                var pointer = Marshal.StringToCoTaskMemUTF8(text);
                allocations.Add(pointer);
                return (byte*)pointer;
            }
            var argumentPointers = stackalloc byte*[arguments.Length];
            for (var i = 0; i < arguments.Length; i++)
            {
                argumentPointers[i] = Utf8(arguments[i]);
            }
            nint translationUnit;
            var error = clang_parseTranslationUnit2(
                index, Utf8(path), argumentPointers, arguments.Length, null, 0,
                CXTranslationUnit_DetailedPreprocessingRecord | CXTranslationUnit_SkipFunctionBodies,
                &translationUnit);
            if (error != 0 || translationUnit == 0)
            {
                throw new GenerationException($"libclang could not parse '{path}' (CXErrorCode {error})");
            }
            return translationUnit;
        }
        finally
        {
            foreach (var allocation in allocations)
            {
                Marshal.FreeCoTaskMem(allocation);
            }
        }
    }

    /// <summary>
    /// Throws on any error: after one, clang carries on and turns unknown types into int, which
    /// would produce plausible but wrong bindings.
    /// </summary>
    private static List<string> CheckDiagnostics(nint translationUnit)
    {
        var warnings = new List<string>();
        var errors = new List<string>();
        var options = clang_defaultDiagnosticDisplayOptions();
        var count = clang_getNumDiagnostics(translationUnit);
        for (uint i = 0; i < count; i++)
        {
            var diagnostic = clang_getDiagnostic(translationUnit, i);
            try
            {
                var severity = clang_getDiagnosticSeverity(diagnostic);
                var text = Take(clang_formatDiagnostic(diagnostic, options));
                if (severity >= CXDiagnosticSeverity.CXDiagnostic_Error)
                {
                    errors.Add(text);
                }
                else if (severity == CXDiagnosticSeverity.CXDiagnostic_Warning)
                {
                    warnings.Add(text);
                }
            }
            finally
            {
                clang_disposeDiagnostic(diagnostic);
            }
        }
        if (errors.Count > 0)
        {
            throw new GenerationException(
                "the header has errors; no bindings were generated:\n" + string.Join("\n", errors.Concat(warnings)));
        }
        return warnings;
    }

    /// <summary>
    /// The header's path relative to its repository (or, in a copy without .git, to the working
    /// directory), so the output names it the same way on every machine.
    /// </summary>
    private static string DisplayPath(string fullPath)
    {
        for (var directory = Path.GetDirectoryName(fullPath); directory != null; directory = Path.GetDirectoryName(directory))
        {
            var git = Path.Combine(directory, ".git");
            if (Directory.Exists(git) || File.Exists(git))
            {
                return Path.GetRelativePath(directory, fullPath).Replace('\\', '/');
            }
        }
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), fullPath);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative)
            ? Path.GetFileName(fullPath)
            : relative.Replace('\\', '/');
    }

    private void ReadDeclarations()
    {
        var declarations = TopLevel(clang_getTranslationUnitCursor(translationUnit)).Where(IsInHeaderDirectory).ToList();

        // Typedefs name their tags first, so that `typedef struct { ... } name;` and
        // `typedef struct name_s name;` are both known by the name the rest of the header uses.
        foreach (var cursor in declarations.Where(cursor => cursor.Kind == CXCursorKind.CXCursor_TypedefDecl))
        {
            var underlying = Unwrap(clang_getTypedefDeclUnderlyingType(cursor));
            if (underlying.Kind is CXTypeKind.CXType_Record or CXTypeKind.CXType_Enum)
            {
                var usr = Usr(clang_getTypeDeclaration(underlying));
                if (tagNames.TryAdd(usr, Spelling(cursor)))
                {
                    namingTypedefs[usr] = cursor;
                }
            }
        }

        var seenFunctions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cursor in declarations)
        {
            switch (cursor.Kind)
            {
                case CXCursorKind.CXCursor_MacroDefinition:
                    ReadMacro(cursor);
                    break;
                case CXCursorKind.CXCursor_EnumDecl when clang_isCursorDefinition(cursor) != 0:
                    ReadEnum(cursor);
                    break;
                case CXCursorKind.CXCursor_StructDecl or CXCursorKind.CXCursor_UnionDecl:
                    if (clang_isCursorDefinition(cursor) != 0)
                    {
                        ReadRecord(cursor);
                    }
                    else if (clang_Cursor_isNull(clang_getCursorDefinition(cursor)) != 0)
                    {
                        var name = TagName(cursor);
                        if (!opaqueTypes.Contains(name))
                        {
                            opaqueTypes.Add(name);
                        }
                    }
                    break;
                case CXCursorKind.CXCursor_FunctionDecl:
                    if (clang_Cursor_getStorageClass(cursor) != CX_StorageClass.CX_SC_Static && seenFunctions.Add(Spelling(cursor)))
                    {
                        ReadFunction(cursor);
                    }
                    break;
                case CXCursorKind.CXCursor_VarDecl:
                    throw Error(cursor, $"global variable '{Spelling(cursor)}' cannot be bound; export a function instead");
            }
        }
    }

    /// <summary>
    /// The translation unit's declarations, looking through extern "C" blocks (reported as a
    /// linkage spec, or by libclang 14 in C++ mode as an unexposed declaration).
    /// </summary>
    private static IEnumerable<CXCursor> TopLevel(CXCursor parent)
    {
        foreach (var cursor in Children(parent))
        {
            if (cursor.Kind is CXCursorKind.CXCursor_LinkageSpec or CXCursorKind.CXCursor_UnexposedDecl)
            {
                foreach (var inner in TopLevel(cursor))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return cursor;
            }
        }
    }

    private static List<CXCursor> Children(CXCursor parent)
    {
        var children = new List<CXCursor>();
        var handle = GCHandle.Alloc(children);
        try
        {
            clang_visitChildren(parent, &CollectChild, GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }
        return children;
    }

    // Only collects: an exception escaping an unmanaged callback would end the process.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static CXChildVisitResult CollectChild(CXCursor cursor, CXCursor parent, nint clientData)
    {
        ((List<CXCursor>)GCHandle.FromIntPtr(clientData).Target!).Add(cursor);
        return CXChildVisitResult.CXChildVisit_Continue;
    }

    private bool IsInHeaderDirectory(CXCursor cursor)
    {
        var (file, _) = Location(cursor);
        if (file.Length == 0)
        {
            return false;
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(file));
        return directory != null && (directory == headerDirectory
            || directory.StartsWith(headerDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal));
    }

    private void ReadMacro(CXCursor cursor)
    {
        if (clang_Cursor_isMacroFunctionLike(cursor) != 0)
        {
            return;
        }
        var tokens = Tokens(cursor);
        if (tokens.Count < 2)
        {
            return;
        }
        var name = tokens[0].Spelling;
        var body = tokens.Skip(1).ToList();
        while (body.Count >= 2 && body[0].Spelling == "(" && body[^1].Spelling == ")")
        {
            body = body.GetRange(1, body.Count - 2);
        }
        var negative = false;
        if (body.Count == 2 && body[0].Spelling == "-")
        {
            negative = true;
            body = body.GetRange(1, 1);
        }
        if (body.Count != 1 || body[0].Kind != CXTokenKind.CXToken_Literal)
        {
            // Attribute macros, include guards and expressions have no single literal value.
            return;
        }
        var constant = NumericLiteral.TryParse(body[0].Spelling, negative);
        if (constant != null)
        {
            constants.Add(new ConstantDefinition(name, constant.Value.CSharpType, constant.Value.Text, MacroDocumentation(cursor)));
        }
    }

    /// <summary>
    /// libclang attaches no comment to a macro, so the `///` lines right above the #define are
    /// read from the source text.
    /// </summary>
    private Documentation MacroDocumentation(CXCursor cursor)
    {
        var (file, line) = Location(cursor);
        if (!sourceLines.TryGetValue(file, out var lines))
        {
            lines = File.ReadAllLines(file);
            sourceLines[file] = lines;
        }
        var comment = new List<string>();
        for (var index = (int)line - 2; index >= 0; index--)
        {
            var text = lines[index].Trim();
            if (!text.StartsWith("///", StringComparison.Ordinal))
            {
                break;
            }
            comment.Insert(0, text);
        }
        return Documentation.Parse(string.Join("\n", comment));
    }

    private void ReadEnum(CXCursor cursor)
    {
        var members = new List<(string Name, long Signed, ulong Unsigned, Documentation Documentation)>();
        var previousEnd = 0u;
        foreach (var child in Children(cursor).Where(child => child.Kind == CXCursorKind.CXCursor_EnumConstantDecl))
        {
            members.Add((Spelling(child), clang_getEnumConstantDeclValue(child), clang_getEnumConstantDeclUnsignedValue(child), MemberComment(child, previousEnd)));
            previousEnd = Offset(clang_getRangeEnd(clang_getCursorExtent(child)));
        }
        var integerType = clang_getCanonicalType(clang_getEnumDeclIntegerType(cursor));
        var isUnsigned = integerType.Kind is CXTypeKind.CXType_UInt or CXTypeKind.CXType_ULong
            or CXTypeKind.CXType_ULongLong or CXTypeKind.CXType_UShort or CXTypeKind.CXType_UChar or CXTypeKind.CXType_Bool;
        var values = members.Select(member => isUnsigned ? (Int128)member.Unsigned : member.Signed).ToList();

        if (IsAnonymous(cursor) && !tagNames.ContainsKey(Usr(cursor)))
        {
            // `enum { NN_X = 1 };` is C's way of naming constants.
            for (var i = 0; i < members.Count; i++)
            {
                constants.Add(new ConstantDefinition(members[i].Name, NarrowestType([values[i]]), Format(values[i]), members[i].Documentation));
            }
            return;
        }
        if (!definedTags.Add(Usr(cursor)))
        {
            return;
        }
        types.Add(new EnumDefinition(
            TagName(cursor),
            NarrowestType(values),
            SizeOf(cursor),
            members.Select((member, i) => new EnumMember(member.Name, Format(values[i]), member.Documentation)).ToList(),
            TagComment(cursor)));
    }

    /// <summary>int unless a value needs more; clang reports enums without negative values as unsigned.</summary>
    private static string NarrowestType(IReadOnlyCollection<Int128> values)
    {
        if (values.All(value => value >= int.MinValue && value <= int.MaxValue))
        {
            return "int";
        }
        if (values.All(value => value >= uint.MinValue && value <= uint.MaxValue))
        {
            return "uint";
        }
        if (values.All(value => value >= long.MinValue && value <= long.MaxValue))
        {
            return "long";
        }
        return "ulong";
    }

    private static string Format(Int128 value) => value.ToString(CultureInfo.InvariantCulture);

    private void ReadRecord(CXCursor cursor)
    {
        if (!definedTags.Add(Usr(cursor)))
        {
            return;
        }
        var fields = new List<FieldDefinition>();
        var previousEnd = 0u;
        foreach (var child in Children(cursor))
        {
            switch (child.Kind)
            {
                // A struct or enum defined inside another is a file-scope type in C: emit it first.
                case CXCursorKind.CXCursor_StructDecl or CXCursorKind.CXCursor_UnionDecl when clang_isCursorDefinition(child) != 0:
                    ReadRecord(child);
                    break;
                case CXCursorKind.CXCursor_EnumDecl when clang_isCursorDefinition(child) != 0:
                    ReadEnum(child);
                    break;
                case CXCursorKind.CXCursor_FieldDecl:
                    if (clang_Cursor_isBitField(child) != 0)
                    {
                        throw Error(child, $"bit-field '{Spelling(child)}' has no portable layout; use a whole integer");
                    }
                    var offsetBits = clang_Cursor_getOffsetOfField(child);
                    if (offsetBits < 0)
                    {
                        throw Error(child, $"clang could not lay out field '{Spelling(child)}' (error {offsetBits})");
                    }
                    var type = ResolveType(clang_getCursorType(child), child, isParameter: false);
                    fields.Add(new FieldDefinition(Spelling(child), type, offsetBits / 8, MemberComment(child, previousEnd)));
                    break;
            }
            previousEnd = Offset(clang_getRangeEnd(clang_getCursorExtent(child)));
        }
        types.Add(new StructDefinition(
            TagName(cursor), cursor.Kind == CXCursorKind.CXCursor_UnionDecl, SizeOf(cursor), fields, TagComment(cursor)));
    }

    private long SizeOf(CXCursor cursor)
    {
        var size = clang_Type_getSizeOf(clang_getCursorType(cursor));
        if (size < 0)
        {
            throw Error(cursor, $"clang could not size '{Spelling(cursor)}' (error {size})");
        }
        return size;
    }

    private void ReadFunction(CXCursor cursor)
    {
        var name = Spelling(cursor);
        var functionType = clang_getCursorType(cursor);
        if (functionType.Kind == CXTypeKind.CXType_FunctionNoProto)
        {
            throw Error(cursor, $"'{name}' has no prototype; declare an empty parameter list as (void)");
        }
        if (clang_isFunctionTypeVariadic(functionType) != 0)
        {
            throw Error(cursor, $"'{name}' is variadic, which cannot be bound");
        }
        var parameters = new List<ParameterDefinition>();
        var count = clang_Cursor_getNumArguments(cursor);
        for (uint i = 0; i < count; i++)
        {
            var argument = clang_Cursor_getArgument(cursor, i);
            var parameterName = Spelling(argument);
            parameters.Add(new ParameterDefinition(
                parameterName.Length == 0 ? $"argument{i}" : parameterName,
                ResolveType(clang_getCursorType(argument), argument, isParameter: true)));
        }
        var result = ResolveType(clang_getCursorResultType(cursor), cursor, isParameter: false);
        if (result is ArrayType)
        {
            throw Error(cursor, $"'{name}' returns an array");
        }
        functions.Add(new FunctionDefinition(name, result, parameters, Comment(cursor)));
    }

    /// <summary>
    /// Maps a clang type by what the header wrote, looking through typedefs only when their
    /// name is not one of the fixed-width names; never through the canonical type.
    /// </summary>
    private CType ResolveType(CXType type, CXCursor site, bool isParameter)
    {
        switch (type.Kind)
        {
            case CXTypeKind.CXType_Elaborated:
                return ResolveType(clang_Type_getNamedType(type), site, isParameter);
            case CXTypeKind.CXType_Attributed:
                return ResolveType(clang_Type_getModifiedType(type), site, isParameter);
            case CXTypeKind.CXType_Typedef:
            {
                var name = Take(clang_getTypedefName(type));
                if (TypedefNames.TryGetValue(name, out var mapped))
                {
                    return new PrimitiveType(mapped);
                }
                if (PlatformDependentTypedefNames.Contains(name))
                {
                    throw Error(site, $"'{name}' differs in size between platforms; use a fixed-width type");
                }
                return ResolveType(clang_getTypedefDeclUnderlyingType(clang_getTypeDeclaration(type)), site, isParameter);
            }
            case CXTypeKind.CXType_Record:
            {
                var declaration = clang_getTypeDeclaration(type);
                var definition = clang_getCursorDefinition(declaration);
                return new NamedType(TagName(declaration), clang_Cursor_isNull(definition) != 0 ? NamedKind.Opaque : NamedKind.Struct);
            }
            case CXTypeKind.CXType_Enum:
                return new NamedType(TagName(clang_getTypeDeclaration(type)), NamedKind.Enum);
            case CXTypeKind.CXType_Pointer:
            {
                var pointee = clang_getPointeeType(type);
                var function = Unwrap(pointee);
                if (function.Kind is CXTypeKind.CXType_FunctionProto or CXTypeKind.CXType_FunctionNoProto)
                {
                    return ResolveFunctionPointer(function, site);
                }
                return new PointerType(ResolveType(pointee, site, isParameter: false), clang_isConstQualifiedType(pointee) != 0);
            }
            case CXTypeKind.CXType_ConstantArray or CXTypeKind.CXType_IncompleteArray:
            {
                var element = clang_getArrayElementType(type);
                if (isParameter)
                {
                    // An array parameter is a pointer to its first element in C.
                    return new PointerType(ResolveType(element, site, isParameter: false), clang_isConstQualifiedType(element) != 0);
                }
                if (type.Kind == CXTypeKind.CXType_IncompleteArray)
                {
                    throw Error(site, "a flexible array member has no fixed size; pass the data through a pointer");
                }
                return new ArrayType(ResolveType(element, site, isParameter: false), clang_getArraySize(type));
            }
            case CXTypeKind.CXType_Long or CXTypeKind.CXType_ULong:
                throw Error(site, "C `long` is 32 bits on Windows and 64 on Linux; use int32_t or int64_t");
        }
        var builtin = type.Kind switch
        {
            CXTypeKind.CXType_Void => "void",
            // C's bool is one byte; byte keeps every struct blittable without marshalling rules.
            CXTypeKind.CXType_Bool => "byte",
            // char is text (UTF-8 by convention) whatever its signedness on the platform.
            CXTypeKind.CXType_Char_S or CXTypeKind.CXType_Char_U => "byte",
            CXTypeKind.CXType_SChar => "sbyte",
            CXTypeKind.CXType_UChar => "byte",
            CXTypeKind.CXType_Short => "short",
            CXTypeKind.CXType_UShort => "ushort",
            CXTypeKind.CXType_Int => "int",
            CXTypeKind.CXType_UInt => "uint",
            CXTypeKind.CXType_LongLong => "long",
            CXTypeKind.CXType_ULongLong => "ulong",
            CXTypeKind.CXType_Float => "float",
            CXTypeKind.CXType_Double => "double",
            _ => null,
        };
        return builtin != null
            ? new PrimitiveType(builtin)
            : throw Error(site, $"type '{Take(clang_getTypeSpelling(type))}' is not supported by the binding generator");
    }

    private FunctionPointerType ResolveFunctionPointer(CXType function, CXCursor site)
    {
        if (function.Kind == CXTypeKind.CXType_FunctionNoProto)
        {
            throw Error(site, "a function pointer without a prototype cannot be bound; declare its parameters");
        }
        if (clang_isFunctionTypeVariadic(function) != 0)
        {
            throw Error(site, "a variadic function pointer cannot be bound");
        }
        var parameters = new List<CType>();
        var count = clang_getNumArgTypes(function);
        for (uint i = 0; i < count; i++)
        {
            parameters.Add(ResolveType(clang_getArgType(function, i), site, isParameter: true));
        }
        return new FunctionPointerType(ResolveType(clang_getResultType(function), site, isParameter: false), parameters);
    }

    /// <summary>Looks through typedefs, elaboration and attributes without canonicalizing.</summary>
    private static CXType Unwrap(CXType type)
    {
        while (true)
        {
            switch (type.Kind)
            {
                case CXTypeKind.CXType_Elaborated:
                    type = clang_Type_getNamedType(type);
                    break;
                case CXTypeKind.CXType_Attributed:
                    type = clang_Type_getModifiedType(type);
                    break;
                case CXTypeKind.CXType_Typedef:
                    type = clang_getTypedefDeclUnderlyingType(clang_getTypeDeclaration(type));
                    break;
                default:
                    return type;
            }
        }
    }

    /// <summary>The name the header uses for a struct, union or enum: its typedef's, else its tag.</summary>
    private string TagName(CXCursor declaration)
    {
        if (tagNames.TryGetValue(Usr(declaration), out var name))
        {
            return name;
        }
        if (IsAnonymous(declaration))
        {
            throw Error(declaration, "an anonymous struct, union or enum needs a name (a tag or a typedef) to be bound");
        }
        return Spelling(declaration);
    }

    // libclang 14 spells an unnamed tag as "", later versions as "struct (unnamed at file:line)".
    private static bool IsAnonymous(CXCursor declaration)
    {
        var spelling = Spelling(declaration);
        return spelling.Length == 0 || !spelling.All(character => char.IsAsciiLetterOrDigit(character) || character == '_');
    }

    private Documentation TagComment(CXCursor declaration)
    {
        var documentation = Comment(declaration);
        if (documentation.IsEmpty && namingTypedefs.TryGetValue(Usr(declaration), out var typedef))
        {
            documentation = Comment(typedef);
        }
        return documentation;
    }

    private static Documentation Comment(CXCursor cursor) => Documentation.Parse(Take(clang_Cursor_getRawCommentText(cursor)));

    /// <summary>
    /// The comment of an enum member or field, unless it begins before the previous member ends:
    /// clang lets a comment reach across commas, so an undocumented enum member would otherwise
    /// repeat the comment of the member above it.
    /// </summary>
    private static Documentation MemberComment(CXCursor cursor, uint previousEnd)
    {
        var documentation = Comment(cursor);
        if (!documentation.IsEmpty && Offset(clang_getRangeStart(clang_Cursor_getCommentRange(cursor))) < previousEnd)
        {
            return Documentation.Empty;
        }
        return documentation;
    }

    private static uint Offset(CXSourceLocation location)
    {
        nint file;
        uint line, column, offset;
        clang_getSpellingLocation(location, &file, &line, &column, &offset);
        return offset;
    }

    private static string Spelling(CXCursor cursor) => Take(clang_getCursorSpelling(cursor));

    private static string Usr(CXCursor cursor) => Take(clang_getCursorUSR(cursor));

    private static (string File, uint Line) Location(CXCursor cursor)
    {
        nint file;
        uint line, column, offset;
        clang_getSpellingLocation(clang_getCursorLocation(cursor), &file, &line, &column, &offset);
        return (file == 0 ? string.Empty : Take(clang_getFileName(file)), line);
    }

    private List<(CXTokenKind Kind, string Spelling)> Tokens(CXCursor cursor)
    {
        CXToken* tokens;
        uint count;
        clang_tokenize(translationUnit, clang_getCursorExtent(cursor), &tokens, &count);
        try
        {
            var result = new List<(CXTokenKind, string)>((int)count);
            for (var i = 0; i < count; i++)
            {
                result.Add((clang_getTokenKind(tokens[i]), Take(clang_getTokenSpelling(translationUnit, tokens[i]))));
            }
            return result;
        }
        finally
        {
            if (tokens != null)
            {
                clang_disposeTokens(translationUnit, tokens, count);
            }
        }
    }

    private static GenerationException Error(CXCursor cursor, string message)
    {
        var (file, line) = Location(cursor);
        var where = file.Length == 0 ? string.Empty : $"{file}:{line}: ";
        return new GenerationException(where + message);
    }
}
