package dev.kj.apiserver.schema;

/**
 * The JSON of a Go type that writes its own (MarshalJSON) rather than its fields, as the
 * {@code json_form} option in json.proto names it.
 */
public enum JsonForm {
    /** metav1.Time: an RFC 3339 string in whole seconds, null for the zero time. */
    TIME,
    /** metav1.MicroTime: an RFC 3339 string with microseconds. */
    MICRO_TIME,
    /** resource.Quantity: a string such as "100m" or "1Gi". */
    QUANTITY,
    /** intstr.IntOrString: a number or a string. */
    INT_OR_STRING,
    /** Any embedded JSON value: runtime.RawExtension, metav1.FieldsV1, apiextensions JSON. */
    RAW,
    /** apiextensions JSONSchemaPropsOrArray: a schema or an array of schemas. */
    SCHEMA_OR_ARRAY,
    /** apiextensions JSONSchemaPropsOrBool: a schema or a boolean. */
    SCHEMA_OR_BOOL,
    /** apiextensions JSONSchemaPropsOrStringArray: a schema or an array of strings. */
    SCHEMA_OR_STRINGS,
    /** A named []string (authentication ExtraValue and its kin). */
    STRING_LIST
}
