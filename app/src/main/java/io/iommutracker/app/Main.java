package io.iommutracker.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** ./iommu-tracker: one entry point, one subcommand per job. */
@Command(name = "iommu-tracker", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Tracks Linux IOMMU groups and reserved regions across a fleet, from PCI telemetry in Kafka.",
        subcommands = {RunCommand.class, DemoCommand.class, ExplainCommand.class, AgentCommand.class, QueryCommand.class,
                BenchCommand.class, CommandLine.HelpCommand.class},
        commandListHeading = "%nCommands:%n")
public final class Main {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String... args) {
        if (args.length > 0 && args[0].equals("query")) {
            // the query client parses its own arguments
            return io.iommutracker.streams.api.QueryCli.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out);
        }
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("error: " + ex.getMessage());
            if (Boolean.getBoolean("iommutracker.debug")) {
                ex.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cl.execute(args);
    }
}
