package io.github.relaypolicy;

import java.util.Locale;
import java.util.Objects;

/**
 * An SMTP reply: a three-digit code, an RFC 3463 enhanced status code and a single line of text.
 *
 * <p>{@code toString()} gives the reply as sent on the wire, without the line ending:
 * {@code 554 5.7.1 <user@example.net>: Relay access denied}.
 *
 * @param code the reply code, 200 to 599
 * @param enhancedStatus the enhanced status code ({@code class.subject.detail}, e.g. {@code 5.7.1}); its class
 *     digit equals the first digit of {@code code}
 * @param text the human-readable text: one line of printable characters (tabs allowed), no control
 *     characters
 * @since 0.1.0
 */
public record SmtpReply(int code, String enhancedStatus, String text) {

    /**
     * Validates the parts of the reply.
     *
     * @param code the reply code, 200 to 599
     * @param enhancedStatus the enhanced status code, of the code's class
     * @param text the text: one line, no control characters
     * @throws NullPointerException if {@code enhancedStatus} or {@code text} is null
     * @throws IllegalArgumentException if the code is not 200..599, the enhanced status is malformed or of
     *     another class than the code, or the text contains a control character
     */
    public SmtpReply {
        Objects.requireNonNull(enhancedStatus, "enhancedStatus");
        Objects.requireNonNull(text, "text");
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "SMTP reply code %d is not between 200 and 599", code));
        }
        if (!isEnhancedStatus(enhancedStatus)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "enhanced status '%s' is not of the form class.subject.detail (e.g. 5.7.1)", enhancedStatus));
        }
        if (enhancedStatus.charAt(0) - '0' != code / 100) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "enhanced status '%s' does not match reply code %d: its first digit must be %d",
                    enhancedStatus, code, code / 100));
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            // RFC 5321 textstring is HT and printable ASCII; UTF-8 (RFC 6531) is allowed, but not C1 controls,
            // line or paragraph separators, or broken UTF-16.
            boolean control = (c < 0x20 && c != '\t') || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029;
            boolean broken = Character.isSurrogate(c) && (Character.isLowSurrogate(c) || i + 1 == text.length()
                    || !Character.isLowSurrogate(text.charAt(i + 1)));
            if (control || broken) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "SMTP reply text contains %s U+%04X at index %d",
                        control ? "control character" : "unpaired surrogate", (int) c, i));
            }
            if (Character.isHighSurrogate(c)) {
                i++;
            }
        }
    }

    /**
     * Makes a reply.
     *
     * @param code the reply code, 200 to 599
     * @param enhancedStatus the enhanced status code, e.g. {@code 5.7.1}
     * @param text the reply text
     * @return the reply
     * @throws IllegalArgumentException if a part is malformed (see the record's constructor)
     * @since 0.1.0
     */
    public static SmtpReply of(int code, String enhancedStatus, String text) {
        return new SmtpReply(code, enhancedStatus, text);
    }

    /**
     * The verdict that this reply's code stands for.
     *
     * @return {@link Verdict#ACCEPT} for 2xx/3xx, {@link Verdict#TEMPFAIL} for 4xx, {@link Verdict#REJECT} for 5xx
     * @since 0.1.0
     */
    public Verdict verdict() {
        return Verdict.ofReplyCode(code);
    }

    /**
     * The reply as an SMTP server sends it, without CRLF.
     *
     * @return {@code code enhancedStatus text}
     */
    @Override
    public String toString() {
        return code + " " + enhancedStatus + " " + text;
    }

    private static boolean isEnhancedStatus(String s) {
        // class "." subject "." detail; class 2, 4 or 5; subject 1..3 digits; detail 1..3 digits (RFC 3463)
        int n = s.length();
        if (n < 5 || n > 9) {
            return false;
        }
        char cls = s.charAt(0);
        if ((cls != '2' && cls != '4' && cls != '5') || s.charAt(1) != '.') {
            return false;
        }
        int i = 2;
        int digits = 0;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
            digits++;
        }
        if (digits < 1 || digits > 3 || i >= n || s.charAt(i) != '.') {
            return false;
        }
        i++;
        digits = 0;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
            digits++;
        }
        return digits >= 1 && digits <= 3 && i == n;
    }
}
