package dev.kj.apiserver.admission.serviceaccount;

/** Go's strconv.ParseBool, an unparsable value reading as false (how upstream treats the annotation). */
final class GoBool {
    private GoBool() {
    }

    static boolean parse(String value) {
        return switch (value) {
            case "1", "t", "T", "true", "TRUE", "True" -> true;
            default -> false;
        };
    }
}
