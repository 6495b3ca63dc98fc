package io.iommutracker.connectors.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** ConfigDef validators shared by the connectors; each failure names the option (ConfigException does). */
public final class Validators {

    private Validators() {
    }

    /** An existing, writable directory (the spool is also where done/ and failed/ go). */
    public static ConfigDef.Validator writableDirectory() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                String s = value == null ? "" : value.toString().trim();
                if (s.isEmpty()) {
                    throw new ConfigException(name, value, "must name a directory");
                }
                Path p;
                try {
                    p = Path.of(s);
                } catch (InvalidPathException e) {
                    throw new ConfigException(name, value, "not a path: " + e.getMessage());
                }
                if (!Files.isDirectory(p)) {
                    throw new ConfigException(name, value, "no such directory");
                }
                if (!Files.isWritable(p)) {
                    throw new ConfigException(name, value, "directory is not writable");
                }
            }

            @Override
            public String toString() {
                return "an existing writable directory";
            }
        };
    }

    /** An absolute http or https URL with a host, e.g. http://alertmanager:9093. */
    public static ConfigDef.Validator httpUrl() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                String s = value == null ? "" : value.toString().trim();
                URI u;
                try {
                    u = new URI(s);
                } catch (URISyntaxException e) {
                    throw new ConfigException(name, value, "not a URL: " + e.getMessage());
                }
                String scheme = u.getScheme();
                if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
                    throw new ConfigException(name, value, "scheme must be http or https");
                }
                if (u.getHost() == null || u.getHost().isEmpty()) {
                    throw new ConfigException(name, value, "URL has no host");
                }
                if (u.getQuery() != null || u.getFragment() != null) {
                    throw new ConfigException(name, value, "URL must not have a query or fragment");
                }
            }

            @Override
            public String toString() {
                return "an http or https URL with a host";
            }
        };
    }

    /** A legal Kafka topic name. */
    public static ConfigDef.Validator topicName() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                String s = value == null ? "" : value.toString();
                if (s.isEmpty() || s.length() > 249 || !s.matches("[a-zA-Z0-9._-]+") || s.equals(".") || s.equals("..")) {
                    throw new ConfigException(name, value, "not a legal topic name");
                }
            }

            @Override
            public String toString() {
                return "a legal topic name";
            }
        };
    }
}
