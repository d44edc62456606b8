package dev.kj.apiserver.validation.apiextensions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CRD string formats against values strfmt accepts and refuses. */
class StringFormatsTest {
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "date|2024-02-29|true", "date|2023-02-29|false", "date|2024-1-01|false",
            "date-time|2024-05-01T10:00:00Z|true", "date-time|2024-05-01T10:00:00.123+02:00|true",
            "date-time|2024-05-01 10:00:00|false", "datetime|2024-05-01T10:00:00Z|true",
            "uuid|123e4567-e89b-12d3-a456-426614174000|true", "uuid|123E4567E89B12D3A456426614174000|true",
            "uuid|123e4567-e89b-12d3-a456|false", "uuid4|123e4567-e89b-42d3-a456-426614174000|true",
            "uuid4|123e4567-e89b-12d3-a456-426614174000|false",
            "ipv4|192.168.0.1|true", "ipv4|192.168.0.256|false", "ipv4|::1|false", "ipv4|010.0.0.1|false",
            "ipv6|::1|true", "ipv6|2001:db8::1|true", "ipv6|192.168.0.1|false", "ipv6|example.com|false",
            "cidr|10.0.0.0/8|true", "cidr|2001:db8::/32|true", "cidr|10.0.0.0/33|false", "cidr|10.0.0.0|false",
            "hostname|example.com|true", "hostname|a-b.c|true", "hostname|-a.com|false", "hostname|a_b|false",
            "byte|aGVsbG8=|true", "byte|!!|false", "bsonobjectid|507f1f77bcf86cd799439011|true", "bsonobjectid|507f|false",
            "mac|00:1a:2b:3c:4d:5e|true", "mac|00-1a-2b-3c-4d-5e|true", "mac|001a.2b3c.4d5e|true", "mac|00:1a:2b|false",
            "email|a@example.com|true", "email|Alice <a@example.com>|true", "email|example.com|false",
            "uri|https://example.com/x|true", "uri|/relative/path|true", "uri|not a uri|false",
            "isbn10|0321751043|true", "isbn10|0321751044|false", "isbn13|978-0321751041|true", "isbn|978-0321751042|false",
            "ssn|123-45-6789|true", "ssn|123-456-789|false", "hexcolor|#FFF|true", "hexcolor|#FFFF|false",
            "rgbcolor|rgb(255,0,10)|true", "rgbcolor|rgb(256,0,0)|false",
            "creditcard|4111 1111 1111 1111|true", "creditcard|1234|false",
            "duration|1h30m|true", "duration|3 days|true", "duration|soon|false",
            "password|anything|true", "k8s-unknown|anything|true"})
    void formats(String format, String value, boolean valid) {
        assertEquals(valid, StringFormats.valid(format, value));
    }
}
