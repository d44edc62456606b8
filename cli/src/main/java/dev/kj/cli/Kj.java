package dev.kj.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The root {@code kj} command: lists the components it can run. */
@Command(name = "kj",
        mixinStandardHelpOptions = true,
        versionProvider = KjVersion.class,
        description = "Kubernetes, rewritten in Java, and Rhino, an etcd v3 API server.",
        subcommands = {RhinoCommand.class, CommandLine.HelpCommand.class})
public final class Kj implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests and generators (completions, man pages) share it. */
    public static CommandLine commandLine() {
        return new CommandLine(new Kj());
    }
}
