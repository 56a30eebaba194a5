package io.github.relaypolicy.core.internal;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A configured SMTP reply whose text may name parts of the request: {@code {recipient}}, {@code {sender}},
 * {@code {client}}, {@code {helo}}. A reply without placeholders is rendered once, when the rules are built.
 */
public final class ReplyTemplate {

    private static final List<String> PLACEHOLDERS = List.of("recipient", "sender", "client", "helo");

    private final SmtpReply template;
    private final @Nullable SmtpReply constant;
    private final String[] literals;   // literals[k] precedes fields[k]; one more literal than fields
    private final int[] fields;        // index into PLACEHOLDERS

    private ReplyTemplate(SmtpReply template, String[] literals, int[] fields) {
        this.template = template;
        this.literals = literals;
        this.fields = fields;
        this.constant = fields.length == 0 ? template : null;
    }

    /**
     * Compiles a reply.
     *
     * @throws IllegalArgumentException naming the rule and the placeholder if the text has an unknown or
     *     unclosed placeholder
     */
    public static ReplyTemplate compile(String rule, SmtpReply reply) {
        String text = reply.text();
        List<String> literals = new ArrayList<>();
        List<Integer> fields = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '{') {
                literal.append(c);
                i++;
                continue;
            }
            int close = text.indexOf('}', i);
            int field = close < 0 ? -1 : PLACEHOLDERS.indexOf(text.substring(i + 1, close));
            if (field < 0) {
                String found = close < 0 ? text.substring(i) : text.substring(i, close + 1);
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "reply for rule '%s': unknown placeholder '%s' in '%s'; expected one of {recipient}, "
                                + "{sender}, {client}, {helo}", rule, Text.escape(found), Text.escape(text)));
            }
            literals.add(literal.toString());
            literal.setLength(0);
            fields.add(field);
            i = close + 1;
        }
        literals.add(literal.toString());
        return new ReplyTemplate(reply, literals.toArray(new String[0]),
                fields.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The reply as configured, placeholders unexpanded. */
    public SmtpReply template() {
        return template;
    }

    /** The reply for a request, with echoed values escaped and capped. */
    public SmtpReply render(@Nullable RelayRequest request) {
        if (constant != null) {
            return constant;
        }
        String text;
        if (fields.length == 1) {
            // The usual case, "<{recipient}>: Relay access denied": one exactly sized string.
            text = literals[0] + echo(request, fields[0]) + literals[1];
        } else {
            StringBuilder sb = new StringBuilder(128);
            for (int k = 0; k < fields.length; k++) {
                sb.append(literals[k]).append(echo(request, fields[k]));
            }
            text = sb.append(literals[fields.length]).toString();
        }
        return new SmtpReply(template.code(), template.enhancedStatus(), text);
    }

    private static String echo(@Nullable RelayRequest request, int field) {
        if (request == null) {
            return "";
        }
        String value;
        switch (field) {
            case 0:
                value = unbracket(request.recipient());
                break;
            case 1:
                value = unbracket(request.sender());
                break;
            case 2:
                value = request.client();
                break;
            default:
                value = request.helo();
                break;
        }
        return value == null ? "" : Text.escape(value);
    }

    /** The path without surrounding blanks and one pair of angle brackets, as Postfix echoes it. */
    static @Nullable String unbracket(@Nullable String path) {
        if (path == null) {
            return null;
        }
        String p = path.strip();
        if (p.length() >= 2 && p.charAt(0) == '<' && p.charAt(p.length() - 1) == '>') {
            return p.substring(1, p.length() - 1);
        }
        return p;
    }
}
