using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Orion.Tests.Nvidia;

/// <summary>
/// A fact about a machine without a native library (a driver): reported skipped, with the reason, where the library
/// loads. Its counterpart on a machine with the driver is a <c>Category=gpu</c> test.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class WithoutLibraryFactAttribute : FactAttribute
{
    public WithoutLibraryFactAttribute(string library, [CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (NativeLibrary.TryLoad(library, out var handle))
        {
            NativeLibrary.Free(handle);
            Skip = $"{library} loads on this machine: the Category=gpu tests cover it here";
        }
    }
}
