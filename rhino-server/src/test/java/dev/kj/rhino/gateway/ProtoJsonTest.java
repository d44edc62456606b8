package dev.kj.rhino.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.etcdserverpb.Compare;
import dev.kj.rhino.api.etcdserverpb.RangeRequest;
import dev.kj.rhino.api.etcdserverpb.WatchCreateRequest;
import dev.kj.rhino.api.etcdserverpb.WatchRequest;
import dev.kj.rhino.api.v3lockpb.LockRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The gateway's JSON codec against Go's behaviour. Every expected text here was also observed
 * from etcd 3.4.23's gateway (the differential suite replays most of them against a live etcd);
 * the cases with invalid UTF-8 live here because session files are text.
 */
class ProtoJsonTest {
    record Case(String name, byte[] body, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case c(String name, String body, String expected) {
        return new Case(name, body.getBytes(StandardCharsets.ISO_8859_1), expected);
    }

    /** Bodies for RangeRequest; ISO-8859-1 keeps each char one byte, so \u00ff is the byte 0xff. */
    static Stream<Case> rangeErrors() {
        return Stream.of(
                c("bad object key", "{bad", "invalid character 'b' looking for beginning of object key string"),
                c("cut off", "{\"key\":\"Zm9v\",", "unexpected EOF"),
                c("control char in string", "{\"key\":\"\u0001\"}", "invalid character '\\x01' in string literal"),
                c("bytes field with a number", "{\"key\":5}", "json: cannot unmarshal number into Go value of type []uint8"),
                c("bad base64", "{\"key\":\"!!\"}", "illegal base64 data at input byte 0"),
                c("invalid UTF-8 as base64", "{\"key\":\"\u00ff\u00fe\"}", "illegal base64 data at input byte 0"),
                c("base64 missing padding", "{\"key\":\"Zm9\"}", "illegal base64 data at input byte 0"),
                c("base64 trailing data", "{\"key\":\"Zm9v==\"}", "illegal base64 data at input byte 4"),
                c("base64 bad padding", "{\"key\":\"Zg=x\"}", "illegal base64 data at input byte 2"),
                c("int64 not a number", "{\"revision\":\"abc\"}", "invalid character 'a' looking for beginning of value"),
                c("int64 fraction", "{\"revision\":\"1.5\"}", "json: cannot unmarshal number 1.5 into Go value of type int64"),
                c("int64 half a fraction", "{\"revision\":\"1.\"}", "invalid character ' ' after decimal point in numeric literal"),
                c("int64 empty", "{\"revision\":\"\"}", "unexpected end of JSON input"),
                c("int64 overflow", "{\"limit\":99999999999999999999}",
                        "json: cannot unmarshal number 99999999999999999999 into Go value of type int64"),
                c("int64 two values", "{\"revision\":\"1 2\"}", "invalid character '2' after top-level value"),
                c("int64 non-ASCII", "{\"limit\":\"\u00c3\u00a9\"}", "invalid character '\u00c3' looking for beginning of value"),
                c("bool as string", "{\"serializable\":\"true\"}", "json: cannot unmarshal string into Go value of type bool"),
                c("unknown enum name", "{\"sort_order\":\"NOPE\"}", "unknown value \"NOPE\" for enum etcdserverpb.RangeRequest_SortOrder"),
                c("enum name quoted like Go", "{\"sort_order\":\"\u00c3\u00a9\u00ff\\u0041\\t<&\"}",
                        "unknown value \"\u00e9\\xff\\\\u0041\\\\t<&\" for enum etcdserverpb.RangeRequest_SortOrder"),
                c("enum name with unprintable runes", "{\"sort_order\":\"\u00c2\u00a0\u00e2\u0080\u00a8x\"}",
                        "unknown value \"\\u00a0\\u2028x\" for enum etcdserverpb.RangeRequest_SortOrder"),
                c("enum as bool", "{\"sort_order\":true}", "json: cannot unmarshal bool into Go value of type etcdserverpb.RangeRequest_SortOrder"),
                c("top-level array", "[1]", "json: cannot unmarshal array into Go value of type map[string]json.RawMessage"),
                c("top-level string", "\"x\"", "json: cannot unmarshal string into Go value of type map[string]json.RawMessage"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rangeErrors")
    void badBodiesFailWithGoTexts(Case c) {
        GoJsonException e = assertThrows(GoJsonException.class, () -> decode(c.body(), RangeRequest.newBuilder()));
        assertEquals(c.expected(), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validBodies")
    void validBodiesDecodeAsJsonpbDoes(String name, String body, RangeRequest expected) throws Exception {
        RangeRequest.Builder builder = RangeRequest.newBuilder();
        decode(body.getBytes(StandardCharsets.UTF_8), builder);
        assertEquals(expected, builder.build());
    }

    static Stream<Arguments> validBodies() {
        ByteString foo = ByteString.copyFromUtf8("foo");
        return Stream.of(
                Arguments.of("quoted and bare int64", "{\"key\":\"Zm9v\",\"revision\":\"3\",\"limit\":2}",
                        RangeRequest.newBuilder().setKey(foo).setRevision(3).setLimit(2).build()),
                Arguments.of("camelCase wins over the proto name", "{\"range_end\":\"YQ==\",\"rangeEnd\":\"Yg==\"}",
                        RangeRequest.newBuilder().setRangeEnd(ByteString.copyFromUtf8("b")).build()),
                Arguments.of("bytes as an array of numbers", "{\"key\":[102,111,111]}",
                        RangeRequest.newBuilder().setKey(foo).build()),
                Arguments.of("enum by name and by number", "{\"sort_order\":\"DESCEND\",\"sortTarget\":3}",
                        RangeRequest.newBuilder().setSortOrder(RangeRequest.SortOrder.DESCEND)
                                .setSortTargetValue(3).build()),
                Arguments.of("null and unknown names are ignored", "{\"key\":null,\"nope\":{\"x\":[1]},\"limit\":null}",
                        RangeRequest.getDefaultInstance()),
                Arguments.of("top-level null", "null", RangeRequest.getDefaultInstance()),
                Arguments.of("base64 with newlines", "{\"key\":\"Zm\\n9v\"}",
                        RangeRequest.newBuilder().setKey(foo).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streams")
    void aStreamIsReadValueByValue(String name, String body, List<String> values, String error) {
        GoJson.StreamDecoder decoder = new GoJson.StreamDecoder(1 << 20);
        List<String> seen = new ArrayList<>();
        String failure = null;
        try {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            // byte by byte: values may arrive in any pieces
            for (byte b : bytes) {
                decoder.feed(new byte[] {b}, 0, 1);
                for (GoJson.Raw value = decoder.next(false); value != null; value = decoder.next(false)) {
                    seen.add(value.text());
                }
            }
            for (GoJson.Raw value = decoder.next(true); value != GoJson.StreamDecoder.EOF; value = decoder.next(true)) {
                seen.add(value.text());
            }
        } catch (GoJsonException e) {
            failure = e.getMessage();
        }
        assertEquals(values, seen);
        assertEquals(error, failure);
    }

    static Stream<Arguments> streams() {
        return Stream.of(
                Arguments.of("objects back to back", "{\"a\":1}{\"b\":[2]}\n {}", List.of("{\"a\":1}", "{\"b\":[2]}", "{}"), null),
                Arguments.of("a number needs its end", "12 3", List.of("12", "3"), null),
                Arguments.of("whitespace only", "  \n", List.of(), null),
                Arguments.of("cut off", "{\"a\":1} {\"b\":", List.of("{\"a\":1}"), "unexpected EOF"),
                Arguments.of("garbage after a value", "{} x", List.of("{}"), "invalid character 'x' looking for beginning of value"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("printed")
    void messagesPrintAsJsonpb(String name, com.google.protobuf.Message message, String json) {
        assertEquals(json, ProtoJson.print(message));
    }

    static Stream<Arguments> printed() {
        return Stream.of(
                Arguments.of("defaults are left out", RangeRequest.getDefaultInstance(), "{}"),
                Arguments.of("int64 quoted, bytes base64, enums by name",
                        RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("foo")).setLimit(-1)
                                .setSortOrder(RangeRequest.SortOrder.ASCEND).build(),
                        "{\"key\":\"Zm9v\",\"limit\":\"-1\",\"sort_order\":\"ASCEND\"}"),
                Arguments.of("an unknown enum number prints bare",
                        RangeRequest.newBuilder().setSortOrderValue(9).build(), "{\"sort_order\":9}"),
                Arguments.of("a set oneof member prints even when zero",
                        Compare.newBuilder().setVersion(0).build(), "{\"version\":\"0\"}"),
                Arguments.of("an empty message that is set prints as {}",
                        WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.getDefaultInstance()).build(),
                        "{\"create_request\":{}}"),
                Arguments.of("strings escaped as Go's json.Marshal does",
                        dev.kj.rhino.api.etcdserverpb.Member.newBuilder().setName("a<b>&c='d'\u2028\"\\\n\u0008").build(),
                        "{\"name\":\"a\\u003cb\\u003e\\u0026c='d'\\u2028\\\"\\\\\\n\\u0008\"}"),
                Arguments.of("repeated fields",
                        WatchCreateRequest.newBuilder().addFilters(WatchCreateRequest.FilterType.NODELETE).build(),
                        "{\"filters\":[\"NODELETE\"]}"),
                Arguments.of("uint64 unsigned",
                        dev.kj.rhino.api.etcdserverpb.ResponseHeader.newBuilder().setClusterId(-1).build(),
                        "{\"cluster_id\":\"18446744073709551615\"}"));
    }

    @Test
    void aTopLevelValueIsTrimmedOfWhitespace() throws Exception {
        GoJson.StreamDecoder decoder = new GoJson.StreamDecoder(1024);
        byte[] body = " \n{\"name\":\"bA==\"} ".getBytes(StandardCharsets.UTF_8);
        decoder.feed(body, 0, body.length);
        LockRequest.Builder builder = LockRequest.newBuilder();
        ProtoJson.merge(decoder.next(true), builder);
        assertEquals("l", builder.getName().toStringUtf8());
        assertSame(GoJson.StreamDecoder.EOF, decoder.next(true));
    }

    private static void decode(byte[] body, com.google.protobuf.Message.Builder builder) throws GoJsonException {
        GoJson.StreamDecoder decoder = new GoJson.StreamDecoder(1 << 20);
        decoder.feed(body, 0, body.length);
        GoJson.Raw value = decoder.next(true);
        if (value != GoJson.StreamDecoder.EOF) {
            ProtoJson.merge(value, builder);
        }
    }
}
