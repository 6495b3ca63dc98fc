package io.iommutracker.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Every released version of each top-level schema, kept under {@code schema-history/<Name>/vN.avsc} on the
 * classpath and listed in {@code schema-history/<Name>/versions}. Releasing a schema change means copying the
 * new .avsc there as the next version; {@code SchemaHistoryTest} proves the current reader reads them all.
 */
public final class SchemaHistory {

    private SchemaHistory() {
    }

    public static List<Schema> versions(String name) {
        List<Schema> out = new ArrayList<>();
        for (String v : versionNames(name)) {
            String path = "/schema-history/" + name + "/" + v;
            try (InputStream in = SchemaHistory.class.getResourceAsStream(path)) {
                if (in == null) {
                    throw new IllegalStateException("schema history lists " + path + " but it is not on the classpath");
                }
                out.add(new Schema.Parser().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    public static List<String> versionNames(String name) {
        try (InputStream in = SchemaHistory.class.getResourceAsStream("/schema-history/" + name + "/versions")) {
            if (in == null) {
                return List.of();
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
