package dev.kj.apiserver.validation;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A resource.Quantity: its exact value and the format its suffix chose, enough to compare quantities
 * and print them canonically as upstream's Quantity.String() does in error messages.
 */
public record Quantity(BigDecimal value, Format format) {
    public enum Format { DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT }

    private static final Pattern QUANTITY = Pattern.compile("([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))(.*)");
    private static final Map<String, Integer> DECIMAL = Map.of("n", -9, "u", -6, "m", -3, "", 0, "k", 3, "M", 6,
            "G", 9, "T", 12, "P", 15, "E", 18);
    private static final Map<String, Integer> BINARY = Map.of("Ki", 10, "Mi", 20, "Gi", 30, "Ti", 40, "Pi", 50, "Ei", 60);
    private static final String[] DECIMAL_SUFFIXES = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
    private static final String[] BINARY_SUFFIXES = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

    /** The quantity, or null when the text is not one (upstream then refuses the body while decoding). */
    public static Quantity parse(String text) {
        Matcher m = QUANTITY.matcher(text);
        if (!m.matches()) {
            return null;
        }
        BigDecimal number = new BigDecimal(m.group(1));
        String suffix = m.group(2);
        if (DECIMAL.containsKey(suffix)) {
            return new Quantity(number.scaleByPowerOfTen(DECIMAL.get(suffix)), Format.DECIMAL_SI);
        }
        if (BINARY.containsKey(suffix)) {
            return new Quantity(number.multiply(new BigDecimal(BigInteger.TWO.pow(BINARY.get(suffix)))), Format.BINARY_SI);
        }
        if (suffix.matches("[eE][+-]?[0-9]+")) {
            return new Quantity(number.scaleByPowerOfTen(Integer.parseInt(suffix.substring(1))), Format.DECIMAL_EXPONENT);
        }
        return null;
    }

    public int compareTo(Quantity other) {
        return value.compareTo(other.value);
    }

    public boolean isNegative() {
        return value.signum() < 0;
    }

    /** Quantity.String(): the value rounded up to nano units, with the largest suffix that keeps it whole. */
    @Override
    public String toString() {
        BigDecimal v = value.setScale(9, RoundingMode.UP);
        if (v.signum() == 0) {
            return "0";
        }
        if (format == Format.BINARY_SI && v.stripTrailingZeros().scale() <= 0) {
            BigInteger whole = v.toBigIntegerExact();
            int step = 0;
            BigInteger unit = BigInteger.valueOf(1024);
            while (step < BINARY_SUFFIXES.length - 1 && whole.abs().compareTo(unit) >= 0
                    && whole.mod(unit).signum() == 0) {
                whole = whole.divide(unit);
                step++;
            }
            return whole + BINARY_SUFFIXES[step];
        }
        // decimal: the largest power of 1000 (from 10^-9) leaving a whole mantissa
        int exponent = -9;
        BigInteger mantissa = v.scaleByPowerOfTen(9).toBigIntegerExact();
        BigInteger thousand = BigInteger.valueOf(1000);
        while (exponent < 18 && mantissa.mod(thousand).signum() == 0) {
            mantissa = mantissa.divide(thousand);
            exponent += 3;
        }
        if (format == Format.DECIMAL_EXPONENT) {
            return exponent == 0 ? mantissa.toString() : mantissa + "e" + exponent;
        }
        return mantissa + DECIMAL_SUFFIXES[(exponent + 9) / 3];
    }
}
