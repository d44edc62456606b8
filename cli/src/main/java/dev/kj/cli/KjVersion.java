package dev.kj.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** Reads the version Maven filtered into the jar. */
final class KjVersion implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
        Properties props = new Properties();
        try (InputStream in = KjVersion.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                props.load(in);
            }
        }
        return new String[] {
            "kj " + props.getProperty("version", "unknown"),
            "rhino: etcd API " + dev.kj.rhino.RhinoVersion.ETCD_API_VERSION,
            "java " + Runtime.version()
        };
    }
}
