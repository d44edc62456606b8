package dev.kj.controllers.intstr;

import io.fabric8.kubernetes.api.model.IntOrString;

/** An int-or-percent field taken of a total (upstream's intstr.GetScaledValueFromIntOrPercent). */
public final class ScaledValues {
    private ScaledValues() {
    }

    /** The integer as is, or the percentage of {@code total} rounded up or down; absent is 0. */
    public static int scaled(IntOrString value, int total, boolean roundUp) {
        if (value == null || value.getIntVal() == null && value.getStrVal() == null) {
            return 0;
        }
        if (value.getIntVal() != null) {
            return value.getIntVal();
        }
        String text = value.getStrVal();
        if (!text.endsWith("%")) {
            throw new IllegalArgumentException("invalid value for IntOrString: invalid type: string is not a percentage");
        }
        int percent;
        try {
            percent = Integer.parseInt(text.substring(0, text.length() - 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid value \"" + text + "\": " + e.getMessage());
        }
        double exact = (double) percent * total / 100;
        return (int) (roundUp ? Math.ceil(exact) : Math.floor(exact));
    }
}
