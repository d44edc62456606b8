package dev.kj.apiserver.validation;

import java.util.List;

/**
 * IP addresses and CIDRs parsed as k8s.io/utils/net's ParseIPSloppy and ParseCIDRSloppy do (IPv4
 * parts may carry leading zeros); literal parsing only, never a name lookup.
 */
public final class Addresses {
    private Addresses() {
    }

    public static final String INVALID_IP = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
    public static final String INVALID_CIDR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

    /** The address's 4 or 16 bytes, or null when it is not an IP literal. */
    public static byte[] parseIp(String text) {
        if (text.contains(":")) {
            return parseIpv6(text);
        }
        return parseIpv4(text);
    }

    private static byte[] parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int value = Integer.parseInt(part);
            if (value > 255) {
                return null;
            }
            bytes[i] = (byte) value;
        }
        return bytes;
    }

    private static byte[] parseIpv6(String text) {
        byte[] bytes = new byte[16];
        int gap = -1;
        int at = 0;
        String rest = text;
        if (rest.startsWith("::")) {
            gap = 0;
            rest = rest.substring(2);
            if (rest.isEmpty()) {
                return bytes;
            }
        }
        while (!rest.isEmpty()) {
            int colon = rest.indexOf(':');
            String group = colon < 0 ? rest : rest.substring(0, colon);
            if (group.contains(".")) {
                // an embedded IPv4 address ends the text
                byte[] v4 = colon < 0 && at <= 12 ? parseIpv4(group) : null;
                if (v4 == null) {
                    return null;
                }
                System.arraycopy(v4, 0, bytes, at, 4);
                at += 4;
                break;
            }
            if (group.isEmpty() || group.length() > 4 || at >= 16
                    || !group.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                return null;
            }
            int value = Integer.parseInt(group, 16);
            bytes[at++] = (byte) (value >> 8);
            bytes[at++] = (byte) value;
            if (colon < 0) {
                break;
            }
            rest = rest.substring(colon + 1);
            if (rest.startsWith(":")) {
                if (gap >= 0) {
                    return null;
                }
                gap = at;
                rest = rest.substring(1);
            } else if (rest.isEmpty()) {
                return null;
            }
        }
        if (gap < 0) {
            return at == 16 ? bytes : null;
        }
        if (at == 16) {
            return null;
        }
        int tail = at - gap;
        byte[] out = new byte[16];
        System.arraycopy(bytes, 0, out, 0, gap);
        System.arraycopy(bytes, gap, out, 16 - tail, tail);
        return out;
    }

    /** Whether the text is an address and a prefix length within its size (ParseCIDRSloppy). */
    public static boolean isCidr(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            return false;
        }
        byte[] ip = parseIp(text.substring(0, slash));
        String length = text.substring(slash + 1);
        if (ip == null || length.isEmpty() || length.length() > 3 || !length.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return false;
        }
        return Integer.parseInt(length) <= ip.length * 8;
    }

    /** Whether the CIDR's address is IPv4 (including IPv4-mapped IPv6, as Go's To4 sees it). */
    public static boolean isIpv4Cidr(String cidr) {
        byte[] ip = parseIp(cidr.substring(0, cidr.indexOf('/')));
        return ip.length == 4 || isV4Mapped(ip);
    }

    private static boolean isV4Mapped(byte[] ip) {
        for (int i = 0; i < 10; i++) {
            if (ip[i] != 0) {
                return false;
            }
        }
        return ip[10] == (byte) 0xff && ip[11] == (byte) 0xff;
    }

    /** IsValidIPForLegacyField without strict validation (StrictIPCIDRValidation is off in 1.33). */
    public static List<FieldError> validateIp(FieldPath path, String value) {
        return parseIp(value) == null ? List.of(FieldError.invalid(path, value, INVALID_IP)) : List.of();
    }

    /** ValidateEndpointIP: addresses that cannot be an endpoint. */
    public static List<FieldError> validateEndpointIp(FieldPath path, String value) {
        byte[] parsed = parseIp(value);
        if (parsed == null) {
            return List.of();
        }
        byte[] ip = parsed.length == 16 && isV4Mapped(parsed)
                ? new byte[] {parsed[12], parsed[13], parsed[14], parsed[15]} : parsed;
        boolean v4 = ip.length == 4;
        int b0 = ip[0] & 0xff;
        int b1 = ip[1] & 0xff;
        boolean unspecified = java.util.stream.IntStream.range(0, ip.length).allMatch(i -> ip[i] == 0);
        boolean loopback = v4 ? b0 == 127 : java.util.stream.IntStream.range(0, 15).allMatch(i -> ip[i] == 0) && ip[15] == 1;
        boolean linkLocal = v4 ? b0 == 169 && b1 == 254 : b0 == 0xfe && (b1 & 0xc0) == 0x80;
        boolean linkLocalMulticast = v4 ? b0 == 224 && b1 == 0 && (ip[2] & 0xff) == 0 : b0 == 0xff && (b1 & 0x0f) == 0x02;
        List<FieldError> errors = new java.util.ArrayList<>();
        if (unspecified) {
            errors.add(FieldError.invalid(path, value, "may not be unspecified (" + value + ")"));
        }
        if (loopback) {
            errors.add(FieldError.invalid(path, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
        }
        if (linkLocal) {
            errors.add(FieldError.invalid(path, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
        }
        if (linkLocalMulticast) {
            errors.add(FieldError.invalid(path, value,
                    "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
        }
        return errors;
    }
}
