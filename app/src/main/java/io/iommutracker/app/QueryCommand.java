package io.iommutracker.app;

import picocli.CommandLine.Command;

/**
 * Listed in --help only: Main hands "query ..." straight to {@link io.iommutracker.streams.api.QueryCli}, which
 * parses its own arguments.
 */
@Command(name = "query", description = {"Ask a running tracker's query API: host, hosts, groups, device, alerts (--json for scripts).",
        "`iommu-tracker query --help` for its usage."})
final class QueryCommand implements Runnable {
    @Override
    public void run() {
        throw new IllegalStateException("query is dispatched by Main");
    }
}
