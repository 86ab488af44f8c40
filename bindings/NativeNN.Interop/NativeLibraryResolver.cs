// Finds and loads libnativenn, once, for every generated [LibraryImport], and refuses a library
// built for another ABI version. On failure the exception lists each path tried and why it failed.
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace NativeNN.Interop;

internal static class NativeLibraryResolver
{
    public const string EnvironmentVariable = "NATIVENN_LIBRARY";

    private static readonly object gate = new();
    private static nint libraryHandle;
    private static string? loadedPath;
    private static Exception? loadFailure;

    /// <summary>Full path of the loaded library (loading it first if needed).</summary>
    public static string LoadedPath
    {
        get
        {
            EnsureLoaded();
            return loadedPath!;
        }
    }

    public static string FileName =>
        OperatingSystem.IsWindows() ? "nativenn.dll"
        : OperatingSystem.IsMacOS() ? "libnativenn.dylib"
        : "libnativenn.so";

    // The resolver must be in place before the first generated call from any assembly, which
    // only a module initializer guarantees; this is the case CA2255 leaves to libraries.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == NativeMethods.LibraryName ? EnsureLoaded() : nint.Zero;

    /// <summary>Loads the library and checks its ABI version; throws the same exception on every
    /// call once it has failed, so a bad installation is reported the same way everywhere.</summary>
    public static nint EnsureLoaded()
    {
        lock (gate)
        {
            if (loadFailure is not null)
            {
                throw Rethrowable(loadFailure);
            }
            if (libraryHandle != nint.Zero)
            {
                return libraryHandle;
            }
            try
            {
                (libraryHandle, loadedPath) = Load();
                return libraryHandle;
            }
            catch (Exception exception)
            {
                loadFailure = exception;
                throw;
            }
        }
    }

    /// <summary>The paths searched, in order: NATIVENN_LIBRARY alone when it is set; otherwise
    /// beside this assembly, beside the application, and under runtimes/{rid}/native/ of both.</summary>
    public static IReadOnlyList<string> CandidatePaths()
    {
        var overridePath = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(overridePath))
        {
            return [Path.GetFullPath(overridePath)];
        }
        var directories = new List<string>();
        var assemblyDirectory = Path.GetDirectoryName(typeof(NativeLibraryResolver).Assembly.Location);
        if (!string.IsNullOrEmpty(assemblyDirectory))
        {
            directories.Add(assemblyDirectory);
        }
        directories.Add(AppContext.BaseDirectory);
        var runtimeFolder = Path.Combine("runtimes", RuntimeInformation.RuntimeIdentifier, "native");
        var candidates = new List<string>();
        foreach (var directory in directories)
        {
            candidates.Add(Path.GetFullPath(Path.Combine(directory, FileName)));
        }
        foreach (var directory in directories)
        {
            candidates.Add(Path.GetFullPath(Path.Combine(directory, runtimeFolder, FileName)));
        }
        return candidates.Distinct().ToList();
    }

    private static (nint Handle, string Path) Load()
    {
        var attempts = new StringBuilder();
        foreach (var path in CandidatePaths())
        {
            if (!File.Exists(path))
            {
                attempts.Append("\n  ").Append(path).Append(": no such file");
                continue;
            }
            nint handle;
            try
            {
                handle = NativeLibrary.Load(path);
            }
            catch (Exception exception) when (exception is DllNotFoundException or BadImageFormatException)
            {
                attempts.Append("\n  ").Append(path).Append(": ").Append(exception.Message);
                continue;
            }
            CheckAbiVersion(handle, path);
            return (handle, path);
        }
        var hint = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 }
            ? $"{EnvironmentVariable} is set, so only that path was tried; unset it or point it at a built {FileName}."
            : $"Build it with ./build.sh build, or set {EnvironmentVariable} to its full path.";
        throw new DllNotFoundException($"NativeNN could not load its native library {FileName}. Tried:{attempts}\n{hint}");
    }

    // The ABI check must not go through the generated binding, which would call back into this
    // resolver while it holds the lock: the export is read directly from the candidate library.
    private static unsafe void CheckAbiVersion(nint handle, string path)
    {
        if (!NativeLibrary.TryGetExport(handle, "nn_abi_version", out var export))
        {
            NativeLibrary.Free(handle);
            throw new NativeLibraryVersionException(
                $"{path} is not a NativeNN library: it exports no nn_abi_version. Point {EnvironmentVariable} at libnativenn built from this source tree.");
        }
        var version = ((delegate* unmanaged[Cdecl]<int>)export)();
        if (version != NativeMethods.NN_ABI_VERSION)
        {
            NativeLibrary.Free(handle);
            throw new NativeLibraryVersionException(
                $"{path} has ABI version {version}, but this NativeNN was built against ABI version {NativeMethods.NN_ABI_VERSION}. " +
                "Rebuild the native library from the same source tree (./build.sh build) or point " +
                $"{EnvironmentVariable} at a matching one.");
        }
    }

    private static Exception Rethrowable(Exception original) => original switch
    {
        NativeLibraryVersionException version => new NativeLibraryVersionException(version.Message, version),
        DllNotFoundException notFound => new DllNotFoundException(notFound.Message, notFound),
        _ => new InvalidOperationException(original.Message, original),
    };
}
