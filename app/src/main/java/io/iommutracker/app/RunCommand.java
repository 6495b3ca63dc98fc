package io.iommutracker.app;

import io.iommutracker.kafka.EmbeddedKafka;
import io.iommutracker.kafka.TopicSetup;
import io.iommutracker.schemas.Topic;
import io.iommutracker.schemas.Topics;
import java.io.PrintWriter;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Start the tracker: the embedded broker (unless --bootstrap-servers), every topic, the Streams app and the query API.")
final class RunCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Option(names = "--partitions", defaultValue = "8", description = "Partitions of the topics created (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--exit-after-start", hidden = true, description = "Start, report and stop (for tests).")
    boolean exitAfterStart;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        EmbeddedKafka broker = null;
        String bootstrap = kafka.bootstrapServers;
        if (kafka.embedded()) {
            broker = kafka.startEmbedded();
            bootstrap = broker.bootstrapServers();
            out.println("embedded Kafka broker: " + bootstrap + " (data in " + broker.dataDir() + ")");
        } else {
            out.println("Kafka cluster: " + bootstrap);
        }
        Properties client = kafka.clientProperties(bootstrap);
        TopicSetup.Result topics = TopicSetup.ensure(client, specs(partitions), kafka.replicationFactor);
        for (Topic<?, ?> t : Topics.ALL) {
            String state = topics.created().contains(t.name()) ? "created" : "exists ";
            out.printf("topic %-22s %s  %s%n", t.name(), state, t.config());
        }
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        EmbeddedKafka b = broker;
        Thread hook = new Thread(() -> {
            if (b != null) {
                b.close();
            }
            stop.countDown();
        }, "iommu-tracker-shutdown");
        if (exitAfterStart) {
            hook.run();
            return 0;
        }
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("running; Ctrl-C to stop");
        out.flush();
        stop.await();
        return 0;
    }

    static List<TopicSetup.Spec> specs(int partitions) {
        return Topics.ALL.stream().map(t -> new TopicSetup.Spec(t.name(), partitions, t.config())).toList();
    }
}
