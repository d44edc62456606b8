package dev.kj.apiserver.validation.certificates;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first PEM block in some bytes, as Go's pem.Decode finds it: text before the block is skipped,
 * headers ("Key: value" lines) are noted, and a block whose body is not base64 is no block.
 */
record Pem(String type, boolean hasHeaders, byte[] der, byte[] rest) {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([^\\r\\n-]*)-----\\r?\\n(.*?)-----END \\1-----[ \\t]*(\\r?\\n|$)", Pattern.DOTALL);

    static Pem first(byte[] data) {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String body = m.group(2);
            boolean headers = false;
            int colon = body.indexOf(':');
            if (colon >= 0) {
                int blank = body.indexOf("\n\n");
                if (blank < 0) {
                    blank = body.indexOf("\r\n\r\n");
                }
                if (blank < 0 || blank < colon) {
                    continue;
                }
                headers = true;
                body = body.substring(blank).strip();
            }
            try {
                byte[] der = Base64.getMimeDecoder().decode(body.replaceAll("\\s", ""));
                byte[] rest = text.substring(m.end()).getBytes(StandardCharsets.ISO_8859_1);
                return new Pem(m.group(1), headers, der, rest);
            } catch (IllegalArgumentException e) {
                // Go skips a block whose body does not decode and looks further
            }
        }
        return null;
    }
}
