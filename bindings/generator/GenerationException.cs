namespace NativeNN.BindingGenerator;

/// <summary>A failure whose message is meant for the person running the generator.</summary>
internal sealed class GenerationException(string message) : Exception(message);
