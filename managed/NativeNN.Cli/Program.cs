// Entry point of the nativenn command: parses the command line and turns failures into one clear
// line on stderr and a non-zero exit code, never a stack trace for a user's mistake.
using System.CommandLine;
using NativeNN.Cli;

var root = new RootCommand("NativeNN: train and evaluate neural networks on a native C++ core.");
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(TrainCommands.Train());
root.Subcommands.Add(TrainCommands.Resume());
root.Subcommands.Add(TrainCommands.Evaluate());
root.Subcommands.Add(DataCommand.Create());
root.Subcommands.Add(RotationCommands.Pretrain());
root.Subcommands.Add(RotationCommands.Transfer());
return CommandRunner.Run(root, args);
