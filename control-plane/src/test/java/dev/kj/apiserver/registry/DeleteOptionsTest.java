package dev.kj.apiserver.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kj.apiserver.errors.StatusException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** DeleteOptions as upstream's handler decodes and validates them, with its status codes and texts. */
class DeleteOptionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Body(String name, String json, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Body> bodies() {
        return Stream.of(
                new Body("meta.k8s.io/v1 with everything", "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"meta.k8s.io/v1\","
                        + "\"gracePeriodSeconds\":5,\"preconditions\":{\"uid\":\"u\",\"resourceVersion\":\"7\"},"
                        + "\"propagationPolicy\":\"Foreground\",\"dryRun\":[\"All\"]}",
                        "grace=5 uid=u rv=7 orphan=- policy=Foreground dryRun=[All]"),
                new Body("a group's own version, as older clients send", "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"apps/v1\","
                        + "\"orphanDependents\":false}", "grace=- uid=- rv=- orphan=false policy=- dryRun=[]"),
                new Body("no kind at all, as kubectl sends", "{\"propagationPolicy\":\"Background\"}",
                        "grace=- uid=- rv=- orphan=- policy=Background dryRun=[]"),
                new Body("nulls and unknown fields are ignored", "{\"gracePeriodSeconds\":null,\"color\":\"blue\"}",
                        "grace=- uid=- rv=- orphan=- policy=- dryRun=[]"),
                new Body("another kind", "{\"kind\":\"Pod\",\"apiVersion\":\"v1\"}",
                        "500 no kind \"Pod\" is registered for version \"v1\" in scheme"
                                + " \"k8s.io/apimachinery/pkg/apis/meta/internalversion/scheme/register.go:27\""),
                new Body("a string grace", "{\"gracePeriodSeconds\":\"5\"}",
                        "500 json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64"),
                new Body("a fractional grace", "{\"gracePeriodSeconds\":1.5}",
                        "500 json: cannot unmarshal number 1.5 into Go struct field DeleteOptions.gracePeriodSeconds of type int64"),
                new Body("the first of several type errors", "{\"dryRun\":\"All\",\"orphanDependents\":\"yes\"}",
                        "500 json: cannot unmarshal string into Go struct field DeleteOptions.dryRun of type []string"),
                new Body("a numeric uid", "{\"preconditions\":{\"uid\":5}}",
                        "500 json: cannot unmarshal number into Go struct field DeleteOptions.preconditions.uid of type types.UID"),
                new Body("an array body", "[]", "500 couldn't get version/kind; json parse error: json: cannot unmarshal array"
                        + " into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string"
                        + " \"json:\\\"kind,omitempty\\\"\" }"),
                new Body("both orphanDependents and propagationPolicy", "{\"orphanDependents\":true,\"propagationPolicy\":\"Orphan\"}",
                        "422 DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Invalid value: \"Orphan\":"
                                + " orphanDependents and deletionPropagation cannot be both set"),
                new Body("an unknown policy", "{\"propagationPolicy\":\"Sideways\"}",
                        "422 DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"Sideways\":"
                                + " supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""),
                new Body("an unknown policy and orphanDependents", "{\"orphanDependents\":false,\"propagationPolicy\":\"orphan\"}",
                        "422 DeleteOptions.meta.k8s.io \"\" is invalid: [propagationPolicy: Invalid value: \"orphan\":"
                                + " orphanDependents and deletionPropagation cannot be both set, propagationPolicy: Unsupported"
                                + " value: \"orphan\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"]"),
                new Body("a dry run other than All", "{\"dryRun\":[\"All\",\"Some\"]}",
                        "422 DeleteOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: []string{\"All\", \"Some\"}:"
                                + " supported values: \"All\""),
                new Body("a negative grace is accepted (the store makes it 1 s)", "{\"gracePeriodSeconds\":-3}",
                        "grace=-3 uid=- rv=- orphan=- policy=- dryRun=[]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bodies")
    void bodiesDecodeAndValidateAsUpstream(Body body) throws Exception {
        assertEquals(body.expected(), render(() -> DeleteOptions.fromBody(JSON.readTree(body.json())).validated()));
    }

    record Query(String name, Map<String, List<String>> query, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Query> queries() {
        return Stream.of(
                new Query("kubectl-style parameters", Map.of("gracePeriodSeconds", List.of("0"), "propagationPolicy",
                        List.of("Orphan"), "dryRun", List.of("All")), "grace=0 uid=- rv=- orphan=- policy=Orphan dryRun=[All]"),
                new Query("orphanDependents is false only for 0 or false", Map.of("orphanDependents", List.of("FALSE")),
                        "grace=- uid=- rv=- orphan=false policy=- dryRun=[]"),
                new Query("any other orphanDependents value is true", Map.of("orphanDependents", List.of("")),
                        "grace=- uid=- rv=- orphan=true policy=- dryRun=[]"),
                new Query("an unparsable grace", Map.of("gracePeriodSeconds", List.of("soon")),
                        "400 strconv.ParseInt: parsing \"soon\": invalid syntax"),
                new Query("a grace out of range", Map.of("gracePeriodSeconds", List.of("99999999999999999999")),
                        "400 strconv.ParseInt: parsing \"99999999999999999999\": value out of range"),
                new Query("an empty policy is a policy", Map.of("propagationPolicy", List.of("")),
                        "422 DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"\":"
                                + " supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("queries")
    void queriesDecodeAsUpstreamsParameterCodec(Query query) {
        assertEquals(query.expected(), render(() -> DeleteOptions.fromQuery(query.query()).validated()));
    }

    record Propagation(String name, DeleteOptions options, GarbageCollectionPolicy resourceDefault, List<String> finalizers,
                       boolean orphans, boolean foreground) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Propagation> propagations() {
        DeleteOptions none = DeleteOptions.NONE;
        return Stream.of(
                new Propagation("nothing said, most resources", none, GarbageCollectionPolicy.DELETE_DEPENDENTS, List.of(),
                        false, false),
                new Propagation("nothing said, replication controllers and jobs", none,
                        GarbageCollectionPolicy.ORPHAN_DEPENDENTS, List.of(), true, false),
                new Propagation("Background overrides an orphaning default", policy("Background"),
                        GarbageCollectionPolicy.ORPHAN_DEPENDENTS, List.of(), false, false),
                new Propagation("Foreground", policy("Foreground"), GarbageCollectionPolicy.DELETE_DEPENDENTS, List.of(),
                        false, true),
                new Propagation("Orphan", policy("Orphan"), GarbageCollectionPolicy.DELETE_DEPENDENTS, List.of(), true, false),
                new Propagation("orphanDependents=true", orphan(true), GarbageCollectionPolicy.DELETE_DEPENDENTS, List.of(),
                        true, false),
                new Propagation("orphanDependents=false never means foreground", orphan(false),
                        GarbageCollectionPolicy.ORPHAN_DEPENDENTS, List.of(GarbageCollectionPolicy.FOREGROUND_FINALIZER),
                        false, false),
                new Propagation("an existing foregroundDeletion finalizer", none, GarbageCollectionPolicy.ORPHAN_DEPENDENTS,
                        List.of("x", GarbageCollectionPolicy.FOREGROUND_FINALIZER), false, true),
                new Propagation("an existing orphan finalizer", none, GarbageCollectionPolicy.DELETE_DEPENDENTS,
                        List.of(GarbageCollectionPolicy.ORPHAN_FINALIZER), true, false),
                new Propagation("resources that own nothing", policy("Foreground"), GarbageCollectionPolicy.UNSUPPORTED,
                        List.of(), false, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("propagations")
    void propagationIsDecidedAsUpstreamsStore(Propagation c) {
        assertEquals(c.orphans(), c.options().orphans(c.resourceDefault(), c.finalizers()), "orphan");
        assertEquals(c.foreground(), c.options().deletesDependentsFirst(c.resourceDefault(), c.finalizers()), "foreground");
    }

    @org.junit.jupiter.api.Test
    void invalidOptionsCarryUpstreamsDetails() {
        StatusException invalid = assertThrows(StatusException.class, () -> policy("Sideways").validated());
        assertEquals("{\"group\":\"meta.k8s.io\",\"kind\":\"DeleteOptions\",\"causes\":[{\"reason\":\"FieldValueNotSupported\","
                + "\"message\":\"Unsupported value: \\\"Sideways\\\": supported values: \\\"Foreground\\\", \\\"Background\\\","
                + " \\\"Orphan\\\", \\\"nil\\\"\",\"field\":\"propagationPolicy\"}]}", invalid.toStatus().path("details").toString());
        StatusException undecodable = assertThrows(StatusException.class, () -> DeleteOptions.fromBody(JSON.readTree("{\"kind\":\"X\"}")));
        assertEquals("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"no kind"
                + " \\\"X\\\" is registered for version \\\"meta.k8s.io/v1\\\" in scheme"
                + " \\\"k8s.io/apimachinery/pkg/apis/meta/internalversion/scheme/register.go:27\\\"\",\"code\":500}",
                undecodable.toStatus().toString(), "no reason, as upstream's answer to errors that are not Statuses");
    }

    private static DeleteOptions policy(String policy) {
        return new DeleteOptions(OptionalLong.empty(), null, null, Optional.empty(), Optional.of(policy), List.of());
    }

    private static DeleteOptions orphan(boolean orphan) {
        return new DeleteOptions(OptionalLong.empty(), null, null, Optional.of(orphan), Optional.empty(), List.of());
    }

    private static String render(java.util.concurrent.Callable<DeleteOptions> decode) {
        try {
            DeleteOptions options = decode.call();
            return "grace=" + (options.gracePeriodSeconds().isPresent() ? options.gracePeriodSeconds().getAsLong() : "-")
                    + " uid=" + (options.preconditionUid() == null ? "-" : options.preconditionUid())
                    + " rv=" + (options.preconditionResourceVersion() == null ? "-" : options.preconditionResourceVersion())
                    + " orphan=" + options.orphanDependents().map(String::valueOf).orElse("-")
                    + " policy=" + options.propagationPolicy().orElse("-")
                    + " dryRun=" + options.dryRun().toString().replace(" ", "");
        } catch (StatusException e) {
            return e.code() + " " + e.getMessage();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
