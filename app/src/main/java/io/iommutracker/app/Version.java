package io.iommutracker.app;

import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** The version from the Maven-filtered app.properties. */
final class Version implements CommandLine.IVersionProvider {

    static String get() {
        try (InputStream in = Version.class.getResourceAsStream("/iommu-tracker-app.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"iommu-tracker " + get()};
    }
}
