using System.Reflection;
using System.Runtime.InteropServices;

namespace NativeNN.BindingGenerator;

// The subset of libclang's C API (clang-c/Index.h) the generator uses. Names follow the C API so
// they can be looked up in its documentation.

internal enum CXCursorKind
{
    CXCursor_UnexposedDecl = 1,
    CXCursor_StructDecl = 2,
    CXCursor_UnionDecl = 3,
    CXCursor_EnumDecl = 5,
    CXCursor_FieldDecl = 6,
    CXCursor_EnumConstantDecl = 7,
    CXCursor_FunctionDecl = 8,
    CXCursor_VarDecl = 9,
    CXCursor_TypedefDecl = 20,
    CXCursor_LinkageSpec = 23,
    CXCursor_MacroDefinition = 501,
}

internal enum CXTypeKind
{
    CXType_Invalid = 0,
    CXType_Unexposed = 1,
    CXType_Void = 2,
    CXType_Bool = 3,
    CXType_Char_U = 4,
    CXType_UChar = 5,
    CXType_UShort = 8,
    CXType_UInt = 9,
    CXType_ULong = 10,
    CXType_ULongLong = 11,
    CXType_Char_S = 13,
    CXType_SChar = 14,
    CXType_Short = 16,
    CXType_Int = 17,
    CXType_Long = 18,
    CXType_LongLong = 19,
    CXType_Float = 21,
    CXType_Double = 22,
    CXType_Pointer = 101,
    CXType_Record = 105,
    CXType_Enum = 106,
    CXType_Typedef = 107,
    CXType_FunctionNoProto = 110,
    CXType_FunctionProto = 111,
    CXType_ConstantArray = 112,
    CXType_IncompleteArray = 114,
    CXType_Elaborated = 119,
    CXType_Attributed = 163,
}

internal enum CXChildVisitResult
{
    CXChildVisit_Break = 0,
    CXChildVisit_Continue = 1,
    CXChildVisit_Recurse = 2,
}

internal enum CXDiagnosticSeverity
{
    CXDiagnostic_Ignored = 0,
    CXDiagnostic_Note = 1,
    CXDiagnostic_Warning = 2,
    CXDiagnostic_Error = 3,
    CXDiagnostic_Fatal = 4,
}

internal enum CXTokenKind
{
    CXToken_Punctuation = 0,
    CXToken_Keyword = 1,
    CXToken_Identifier = 2,
    CXToken_Literal = 3,
    CXToken_Comment = 4,
}

internal enum CX_StorageClass
{
    CX_SC_Invalid = 0,
    CX_SC_None = 1,
    CX_SC_Extern = 2,
    CX_SC_Static = 3,
}

[StructLayout(LayoutKind.Sequential)]
internal readonly struct CXString
{
    public readonly nint Data;
    public readonly uint PrivateFlags;
}

[StructLayout(LayoutKind.Sequential)]
internal readonly struct CXCursor
{
    public readonly CXCursorKind Kind;
    public readonly int XData;
    public readonly nint Data0;
    public readonly nint Data1;
    public readonly nint Data2;
}

[StructLayout(LayoutKind.Sequential)]
internal readonly struct CXType
{
    public readonly CXTypeKind Kind;
    public readonly nint Data0;
    public readonly nint Data1;
}

[StructLayout(LayoutKind.Sequential)]
internal readonly struct CXSourceLocation
{
    public readonly nint PointerData0;
    public readonly nint PointerData1;
    public readonly uint IntData;
}

[StructLayout(LayoutKind.Sequential)]
internal readonly struct CXSourceRange
{
    public readonly nint PointerData0;
    public readonly nint PointerData1;
    public readonly uint BeginIntData;
    public readonly uint EndIntData;
}

[StructLayout(LayoutKind.Sequential)]
internal readonly struct CXToken
{
    public readonly uint IntData0;
    public readonly uint IntData1;
    public readonly uint IntData2;
    public readonly uint IntData3;
    public readonly nint PointerData;
}

internal static unsafe partial class LibClang
{
    private const string LibraryName = "libclang";

    // Only the versioned name is on the loader path of Debian machines, so the plain name that
    // LibraryImport would try fails; the resolver tries the known names in order.
    private static readonly string[] LibraryCandidates =
    [
        "libclang-14.so.1",
        "/usr/lib/llvm-14/lib/libclang.so.1",
        "libclang.so.1",
    ];

    public const uint CXTranslationUnit_DetailedPreprocessingRecord = 0x01;
    public const uint CXTranslationUnit_SkipFunctionBodies = 0x40;

    static LibClang()
    {
        NativeLibrary.SetDllImportResolver(typeof(LibClang).Assembly, Resolve);
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != LibraryName)
        {
            return 0;
        }
        var overridePath = Environment.GetEnvironmentVariable("LIBCLANG_PATH");
        if (!string.IsNullOrEmpty(overridePath))
        {
            if (NativeLibrary.TryLoad(overridePath, out var overridden))
            {
                return overridden;
            }
            throw new DllNotFoundException($"LIBCLANG_PATH is set to '{overridePath}', which could not be loaded.");
        }
        foreach (var candidate in LibraryCandidates)
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                return handle;
            }
        }
        throw new DllNotFoundException(
            $"libclang was not found (tried {string.Join(", ", LibraryCandidates)}). Install libclang1-14 and " +
            "libclang-common-14-dev, or set LIBCLANG_PATH to the library's path.");
    }

    [LibraryImport(LibraryName)]
    public static partial nint clang_createIndex(int excludeDeclarationsFromPCH, int displayDiagnostics);

    [LibraryImport(LibraryName)]
    public static partial void clang_disposeIndex(nint index);

    [LibraryImport(LibraryName)]
    public static partial int clang_parseTranslationUnit2(
        nint index, byte* sourceFilename, byte** commandLineArgs, int numCommandLineArgs,
        void* unsavedFiles, uint numUnsavedFiles, uint options, nint* translationUnit);

    [LibraryImport(LibraryName)]
    public static partial void clang_disposeTranslationUnit(nint translationUnit);

    [LibraryImport(LibraryName)]
    public static partial uint clang_getNumDiagnostics(nint translationUnit);

    [LibraryImport(LibraryName)]
    public static partial nint clang_getDiagnostic(nint translationUnit, uint index);

    [LibraryImport(LibraryName)]
    public static partial CXDiagnosticSeverity clang_getDiagnosticSeverity(nint diagnostic);

    [LibraryImport(LibraryName)]
    public static partial CXString clang_formatDiagnostic(nint diagnostic, uint options);

    [LibraryImport(LibraryName)]
    public static partial uint clang_defaultDiagnosticDisplayOptions();

    [LibraryImport(LibraryName)]
    public static partial void clang_disposeDiagnostic(nint diagnostic);

    [LibraryImport(LibraryName)]
    public static partial byte* clang_getCString(CXString text);

    [LibraryImport(LibraryName)]
    public static partial void clang_disposeString(CXString text);

    [LibraryImport(LibraryName)]
    public static partial CXString clang_getClangVersion();

    [LibraryImport(LibraryName)]
    public static partial CXCursor clang_getTranslationUnitCursor(nint translationUnit);

    [LibraryImport(LibraryName)]
    public static partial uint clang_visitChildren(
        CXCursor parent, delegate* unmanaged[Cdecl]<CXCursor, CXCursor, nint, CXChildVisitResult> visitor, nint clientData);

    [LibraryImport(LibraryName)]
    public static partial int clang_Cursor_isNull(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial CXString clang_getCursorSpelling(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial CXString clang_getCursorUSR(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial CXSourceLocation clang_getCursorLocation(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial CXSourceRange clang_getCursorExtent(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial CXType clang_getCursorType(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial CXType clang_getCursorResultType(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial int clang_Cursor_getNumArguments(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial CXCursor clang_Cursor_getArgument(CXCursor cursor, uint index);

    [LibraryImport(LibraryName)]
    public static partial CX_StorageClass clang_Cursor_getStorageClass(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial uint clang_isCursorDefinition(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial CXCursor clang_getCursorDefinition(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial uint clang_Cursor_isBitField(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial uint clang_Cursor_isMacroFunctionLike(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial CXString clang_Cursor_getRawCommentText(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial CXSourceRange clang_Cursor_getCommentRange(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial CXSourceLocation clang_getRangeStart(CXSourceRange range);

    [LibraryImport(LibraryName)]
    public static partial CXSourceLocation clang_getRangeEnd(CXSourceRange range);

    [LibraryImport(LibraryName)]
    public static partial long clang_Cursor_getOffsetOfField(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial long clang_getEnumConstantDeclValue(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial ulong clang_getEnumConstantDeclUnsignedValue(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial CXType clang_getEnumDeclIntegerType(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial CXType clang_getTypedefDeclUnderlyingType(CXCursor cursor);

    [LibraryImport(LibraryName)]
    public static partial CXString clang_getTypeSpelling(CXType type);

    [LibraryImport(LibraryName)]
    public static partial CXString clang_getTypedefName(CXType type);

    [LibraryImport(LibraryName)]
    public static partial CXCursor clang_getTypeDeclaration(CXType type);

    [LibraryImport(LibraryName)]
    public static partial CXType clang_getPointeeType(CXType type);

    [LibraryImport(LibraryName)]
    public static partial CXType clang_getCanonicalType(CXType type);

    [LibraryImport(LibraryName)]
    public static partial CXType clang_Type_getNamedType(CXType type);

    [LibraryImport(LibraryName)]
    public static partial CXType clang_Type_getModifiedType(CXType type);

    [LibraryImport(LibraryName)]
    public static partial uint clang_isConstQualifiedType(CXType type);

    [LibraryImport(LibraryName)]
    public static partial long clang_Type_getSizeOf(CXType type);

    [LibraryImport(LibraryName)]
    public static partial long clang_getArraySize(CXType type);

    [LibraryImport(LibraryName)]
    public static partial CXType clang_getArrayElementType(CXType type);

    [LibraryImport(LibraryName)]
    public static partial CXType clang_getResultType(CXType type);

    [LibraryImport(LibraryName)]
    public static partial int clang_getNumArgTypes(CXType type);

    [LibraryImport(LibraryName)]
    public static partial CXType clang_getArgType(CXType type, uint index);

    [LibraryImport(LibraryName)]
    public static partial uint clang_isFunctionTypeVariadic(CXType type);

    [LibraryImport(LibraryName)]
    public static partial void clang_getSpellingLocation(
        CXSourceLocation location, nint* file, uint* line, uint* column, uint* offset);

    [LibraryImport(LibraryName)]
    public static partial CXString clang_getFileName(nint file);

    [LibraryImport(LibraryName)]
    public static partial void clang_tokenize(nint translationUnit, CXSourceRange range, CXToken** tokens, uint* numTokens);

    [LibraryImport(LibraryName)]
    public static partial void clang_disposeTokens(nint translationUnit, CXToken* tokens, uint numTokens);

    [LibraryImport(LibraryName)]
    public static partial CXTokenKind clang_getTokenKind(CXToken token);

    [LibraryImport(LibraryName)]
    public static partial CXString clang_getTokenSpelling(nint translationUnit, CXToken token);

    /// <summary>Reads a CXString and disposes it, so every string is released exactly once.</summary>
    public static string Take(CXString text)
    {
        try
        {
            var pointer = clang_getCString(text);
            return pointer == null ? string.Empty : Marshal.PtrToStringUTF8((nint)pointer) ?? string.Empty;
        }
        finally
        {
            clang_disposeString(text);
        }
    }
}
