package dev.onnxpress.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the project version, written into a resource by the build. */
final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"onnxpress " + number(), "Java " + System.getProperty("java.version")};
    }

    static String number() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
