package dev.kj.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The root {@code kj} command: lists the components it can run. */
@Command(name = "kj",
        mixinStandardHelpOptions = true,
        versionProvider = KjVersion.class,
        description = {"Kubernetes, rewritten in Java: one command for every component.",
            "Today it runs the Kubernetes API server and Rhino, an etcd v3 API server; the other components are coming."},
        subcommands = {ServerCommand.class, RhinoCommand.class, CommandLine.HelpCommand.class})
public final class Kj implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        // Netty records a stack trace for a sample of buffer allocations to find leaks: a debugging
        // aid (1 % of CPU under load in profiles). The tests, which do not start here, keep it; the
        // property turns it back on (-Dio.netty.leakDetection.level=simple).
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests and generators (completions, man pages) share it. */
    public static CommandLine commandLine() {
        return ErrorReporting.install(new CommandLine(new Kj()));
    }
}
