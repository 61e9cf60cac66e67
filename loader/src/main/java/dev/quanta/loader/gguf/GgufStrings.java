package dev.quanta.loader.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * GGUF strings are byte sequences that are meant to be UTF-8, but vocabularies hold pieces that are
 * not (a lone byte of a multi-byte character, for instance). To keep every string a Java {@link String}
 * and still write it back byte for byte, bytes that are not part of a valid UTF-8 sequence are decoded
 * as the lone low surrogates U+DC80..U+DCFF (the "surrogateescape" convention of Python): byte
 * {@code b} becomes {@code (char) (0xDC00 | b)}. Valid UTF-8 never decodes to a lone surrogate, so
 * {@link #encode} restores the exact bytes. Tokenizers that need the raw bytes call {@link #encode}.
 */
public final class GgufStrings {
    private GgufStrings() {}

    /** Decodes GGUF string bytes: strict UTF-8, with invalid bytes escaped as U+DC80..U+DCFF. */
    public static String decode(byte[] b) {
        boolean ascii = true;
        for (byte x : b) if (x < 0) { ascii = false; break; }
        if (ascii) return new String(b, StandardCharsets.ISO_8859_1);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return decodeEscaping(b);
        }
    }

    private static String decodeEscaping(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length);
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xff;
            int len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
            int cp = -1;
            if (len == 1) {
                cp = c;
            } else if (len > 1 && i + len <= b.length) {
                cp = c & (0x7F >> len);
                boolean ok = true;
                for (int k = 1; k < len; k++) {
                    int cc = b[i + k] & 0xff;
                    if ((cc & 0xC0) != 0x80) { ok = false; break; }
                    cp = (cp << 6) | (cc & 0x3F);
                }
                // reject overlong forms, surrogates and code points above U+10FFFF
                if (!ok || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) cp = -1;
            }
            if (cp < 0) {
                sb.append((char) (0xDC00 | c));
                i++;
            } else {
                sb.appendCodePoint(cp);
                i += len;
            }
        }
        return sb.toString();
    }

    /** The bytes of a GGUF string: UTF-8, with escaped bytes U+DC80..U+DCFF written back as themselves. */
    public static byte[] encode(String s) {
        boolean escaped = false;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (Character.isSurrogate(ch)) { escaped = true; break; }
        }
        if (!escaped) return s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() + 8);
        int i = 0;
        while (i < s.length()) {
            char ch = s.charAt(i);
            if (Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.writeBytes(s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8));
                i += 2;
            } else if (ch >= 0xDC80 && ch <= 0xDCFF) {
                out.write(ch & 0xff);
                i++;
            } else if (Character.isSurrogate(ch)) {
                throw new IllegalArgumentException("string holds a lone surrogate U+" + Integer.toHexString(ch).toUpperCase() + " at index " + i + " that has no GGUF encoding");
            } else {
                out.writeBytes(String.valueOf(ch).getBytes(StandardCharsets.UTF_8));
                i++;
            }
        }
        return out.toByteArray();
    }

    /** True when the string came from bytes that are not valid UTF-8 (it holds escaped bytes). */
    public static boolean hasEscapedBytes(String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch >= 0xDC80 && ch <= 0xDCFF && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)))) return true;
        }
        return false;
    }
}
