package dev.kj.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Every failure a user can cause ends as one line on stderr and a non-zero exit: 2 for bad
 * flags (picocli's convention), 1 when the command itself fails. Stack traces only with
 * {@code KJ_DEBUG=1}, because a trace for "port in use" hides the one line that matters.
 */
final class ErrorReporting {
    static final int EXIT_FAILURE = 1;

    private ErrorReporting() {}

    static CommandLine install(CommandLine commandLine) {
        commandLine.setParameterExceptionHandler(ErrorReporting::onBadInput);
        commandLine.setExecutionExceptionHandler(ErrorReporting::onFailure);
        return commandLine;
    }

    private static int onBadInput(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        cmd.getErr().println(name + ": " + oneLine(ex.getMessage()) + " (see '" + name + " --help')");
        debugTrace(ex, cmd.getErr());
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static int onFailure(Exception ex, CommandLine cmd, ParseResult parsed) {
        cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + describe(ex));
        debugTrace(ex, cmd.getErr());
        return EXIT_FAILURE;
    }

    /**
     * The messages along the cause chain, outermost first, skipping ones already said
     * ("failed to bind to 127.0.0.1:2379: Address already in use").
     */
    static String describe(Throwable failure) {
        if (failure instanceof UserError) {
            return oneLine(failure.getMessage());
        }
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null && t != t.getCause(); t = t.getCause()) {
            String message = t.getMessage();
            if (message == null || message.isBlank()) {
                // An unexplained exception (a bug, most likely): its type is all there is to say.
                message = t == failure || text.isEmpty() ? t.getClass().getSimpleName() : null;
            }
            if (message != null && !text.toString().contains(message.strip())) {
                text.append(text.isEmpty() ? "" : ": ").append(message.strip());
            }
        }
        return oneLine(text.toString());
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    private static void debugTrace(Exception ex, PrintWriter err) {
        if (System.getenv("KJ_DEBUG") != null) {
            ex.printStackTrace(err);
        }
    }

    /** A failure whose message is already the whole story for the user. */
    static final class UserError extends RuntimeException {
        UserError(String message) {
            super(message);
        }
    }
}
