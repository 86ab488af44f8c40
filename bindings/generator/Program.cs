using NativeNN.BindingGenerator;

return CommandLine.Run(args, Console.Out, Console.Error);
