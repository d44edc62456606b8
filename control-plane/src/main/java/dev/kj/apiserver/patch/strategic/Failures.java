package dev.kj.apiserver.patch.strategic;

import dev.kj.apiserver.errors.StatusException;

/**
 * How upstream's API server answers a patch its strategic merge cannot apply: the malformed-patch
 * errors of apimachinery's mergepatch package are 400 BadRequest with their text, lists of lists a
 * generic 422, and every other error of the merge reaches the client as a plain 500 carrying the
 * error's text and no reason (it is not a Status error).
 */
final class Failures {
    static final String BAD_PRIMITIVE_LIST = "invalid patch format of primitive list";
    static final String BAD_RETAIN_KEYS = "invalid patch format of retainKeys";
    static final String BAD_SET_ELEMENT_ORDER = "invalid patch format of setElementOrder list";

    private Failures() {
    }

    static StatusException badRequest(String message) {
        return StatusException.badRequest(message);
    }

    /** lists of lists are not supported: errors.NewGenericServerResponse(422, ...), which keeps none of the text. */
    static StatusException listOfLists() {
        return new StatusException(422, "Invalid", "the server rejected our request due to an error in our request",
                StatusException.Details.of("", "", ""));
    }

    static StatusException internal(String message) {
        return new StatusException(500, null, message, null);
    }

    static StatusException noMergeKey(com.fasterxml.jackson.databind.JsonNode item, String mergeKey) {
        return internal("map: " + GoValues.format(item) + " does not contain declared merge key: " + mergeKey);
    }

    static StatusException badPatchType(com.fasterxml.jackson.databind.JsonNode directive,
                                        com.fasterxml.jackson.databind.JsonNode map) {
        return internal("unknown patch type: " + GoValues.formatString(directive) + " in map: " + GoValues.format(map));
    }

    /** mergepatch.ErrBadArgType: Go's name of the type wanted and of the value met. */
    static StatusException badArgType(String expectedGoType, com.fasterxml.jackson.databind.JsonNode actual) {
        return internal("expected a " + expectedGoType + ", but received a " + GoValues.typeName(actual));
    }
}
