package dev.kj.apiserver.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** apimachinery's string checks, with its texts. */
class FormatsTest {
    @Test
    void dnsLabelsAndSubdomains() {
        assertEquals(List.of(), Formats.dns1123Label("my-name"));
        assertEquals(List.of("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and"
                + " must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for"
                + " validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"), Formats.dns1123Label("My_Name"));
        assertEquals("must be no more than 63 characters", Formats.dns1123Label("a".repeat(64)).getFirst());
        assertEquals(List.of(), Formats.dns1123Subdomain("example.com"));
        assertEquals(List.of("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or"
                + " '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for"
                + " validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
                Formats.dns1123Subdomain("-x"));
        assertEquals(List.of("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an"
                + " alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex"
                + " used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"), Formats.dns1035Label("1abc"));
    }

    @Test
    void qualifiedNamesAndLabelValues() {
        assertEquals(List.of(), Formats.qualifiedName("example.com/my-key"));
        assertEquals(List.of("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and"
                + " end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for"
                + " validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"), Formats.qualifiedName("-bad"));
        assertEquals(List.of("prefix part must be non-empty"), Formats.qualifiedName("/x"));
        assertEquals(List.of(), Formats.labelValue(""));
        assertEquals(List.of("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or"
                + " '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or"
                + " '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
                Formats.labelValue("a b"));
    }

    @Test
    void portsEnvironmentAndKeys() {
        assertEquals(List.of("must contain at least one letter (a-z)"), Formats.portName("8080"));
        assertEquals(List.of("must be no more than 15 characters"), Formats.portName("a-very-long-port-name"));
        assertEquals(List.of("must be between 1 and 65535, inclusive"), Formats.portNumber(70000));
        assertEquals(List.of("a valid environment variable name must consist only of printable ASCII characters other"
                + " than '='"), Formats.envVarName("A=B"));
        assertEquals(List.of(), Formats.envVarName("1-weird.name but printable"));
        assertEquals(List.of("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g."
                + " 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"),
                Formats.configMapKey("a/b"));
        assertEquals(List.of("must not start with '..'"), Formats.configMapKey("..a"));
    }

    @Test
    void quantitiesPrintCanonically() {
        assertEquals("1", Quantity.parse("1000m").toString());
        assertEquals("500m", Quantity.parse("0.5").toString());
        assertEquals("1Gi", Quantity.parse("1024Mi").toString());
        assertEquals("1536Mi", Quantity.parse("1.5Gi").toString());
        assertEquals("2k", Quantity.parse("2000").toString());
        assertEquals("128974848", Quantity.parse("128974848").toString());
        assertEquals("1e3", Quantity.parse("1e3").toString());
        assertEquals(1, Quantity.parse("2").compareTo(Quantity.parse("1500m")));
    }
}
