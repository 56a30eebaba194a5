package io.github.relaypolicy.core.internal;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.SmtpReply;
import io.github.relaypolicy.core.internal.dns.ListNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A configured SMTP reply whose text may name parts of the request: the one renderer of {@code {placeholder}}s.
 * A rule's reply may name {@code {recipient}}, {@code {sender}}, {@code {client}}, {@code {helo}}, {@code {user}}
 * ({@link #compile}, {@link #render}); a DNS list's reply {@code {client}}, {@code {domain}}, {@code {zone}},
 * {@code {txt}} ({@link #compileListReply}, {@link #renderList}). A reply without placeholders is rendered once,
 * when the rules are built.
 */
public final class ReplyTemplate {

    private static final List<String> PLACEHOLDERS = List.of("recipient", "sender", "client", "helo", "user");
    private static final List<String> LIST_PLACEHOLDERS = List.of("client", "domain", "zone", "txt");
    /** An access table's reply also names the client's verified host name ({@code unknown} without one). */
    private static final List<String> TABLE_PLACEHOLDERS = List.of("recipient", "sender", "client", "helo", "user",
            "client_name", "client_address");

    /** The longest reply line, reply code and CRLF included (RFC 5321 section 4.5.3.1.5). */
    public static final int MAX_LINE_OCTETS = 512;
    /** What a reply cut to fit the line ends with. */
    private static final String CUT = "...";

    private final SmtpReply template;
    private final @Nullable SmtpReply constant;
    private final List<String> names;  // PLACEHOLDERS or LIST_PLACEHOLDERS
    private final String[] literals;   // literals[k] precedes fields[k]; one more literal than fields
    private final int[] fields;        // index into names

    private ReplyTemplate(SmtpReply template, List<String> names, List<String> literals, List<Integer> fields) {
        this.template = template;
        this.names = names;
        this.literals = literals.toArray(new String[0]);
        this.fields = fields.stream().mapToInt(Integer::intValue).toArray();
        this.constant = this.fields.length == 0 ? template : null;
    }

    /**
     * Compiles a rule's reply.
     *
     * @throws IllegalArgumentException naming the rule and the placeholder if the text has an unknown or
     *     unclosed placeholder, or if the reply without its placeholders does not fit in an SMTP reply line
     */
    public static ReplyTemplate compile(String rule, SmtpReply reply) {
        // a '{' always opens a placeholder: an unknown or unclosed one is an error
        return compile(reply, PLACEHOLDERS, true, (text, from) -> text.indexOf('}', from), (found, name) ->
                new IllegalArgumentException(String.format(Locale.ROOT, "reply for rule '%s': unknown placeholder"
                        + " '%s' in '%s'; expected one of {recipient}, {sender}, {client}, {helo}, {user}", rule,
                        Text.escape(found), Text.escape(reply.text()))), "rule '" + rule + "'");
    }

    /**
     * The reply of an access-table entry, as Postfix renders it: {@code head} names the request's part with
     * placeholders (e.g. {@code <{client_name}[{client}]>: }), {@code text} is the entry's text, taken literally
     * (braces included). A line too long is cut when rendered ({@link #fit}), as echoed values are.
     *
     * @param code the reply code
     * @param dsn the enhanced status code
     * @param head the placeholders that name the request's part, and the separator
     * @param text the literal rest, e.g. {@code Client host rejected: Access denied}
     * @return the template
     */
    public static ReplyTemplate table(int code, String dsn, String head, String text) {
        List<String> literals = new ArrayList<>();
        List<Integer> fields = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < head.length()) {
            char c = head.charAt(i);
            int close = c == '{' ? head.indexOf('}', i) : -1;
            if (close < 0) {
                literal.append(c);
                i++;
                continue;
            }
            literals.add(literal.toString());
            literal.setLength(0);
            int field = TABLE_PLACEHOLDERS.indexOf(head.substring(i + 1, close));
            if (field < 0) {
                throw new IllegalArgumentException("unknown placeholder in " + head);
            }
            fields.add(field);
            i = close + 1;
        }
        literals.add(literal.append(text).toString());
        return new ReplyTemplate(new SmtpReply(code, dsn, head + text), TABLE_PLACEHOLDERS, literals, fields);
    }

    /**
     * Compiles a DNS list's reply. A placeholder is {@code {name}} with no brace inside; any other brace is
     * text.
     *
     * @param zone the list's zone, as the caller gave it (a secret key it carries is masked in messages)
     * @throws IllegalArgumentException naming the zone and the placeholder if the text names another
     *     placeholder than {@code {client}}, {@code {domain}}, {@code {zone}}, {@code {txt}}, or if the reply
     *     without its placeholders does not fit in an SMTP reply line
     */
    public static ReplyTemplate compileListReply(String zone, SmtpReply reply) {
        return compile(reply, LIST_PLACEHOLDERS, false, ReplyTemplate::placeholderEnd, (found, name) ->
                new IllegalArgumentException(ListNames.maskAll(String.format(Locale.ROOT, "reply for DNS list '%s'"
                        + " names the unknown placeholder '{%s}'; expected {client}, {domain}, {zone} or {txt}", zone,
                        Text.escape(name)))), "DNS list '" + Text.escape(ListNames.maskAll(zone)) + "'");
    }

    /** Where a placeholder opened at {@code text[from - 1]} closes, or -1 if that brace is text (or unclosed). */
    private interface Closing {
        int at(String text, int from);
    }

    /** Why a placeholder ({@code found} as written, {@code name} between its braces) is not one of the known. */
    private interface Unknown {
        IllegalArgumentException of(String found, String name);
    }

    /**
     * The template of {@code reply} with the placeholders {@code names}; {@code strict} braces always open a
     * placeholder (one that does not close is unknown), others only where {@code closing} finds the end.
     */
    private static ReplyTemplate compile(SmtpReply reply, List<String> names, boolean strict, Closing closing,
            Unknown unknown, String what) {
        String text = reply.text();
        List<String> literals = new ArrayList<>();
        List<Integer> fields = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            int close = c == '{' ? closing.at(text, i + 1) : -1;
            if (c != '{' || close < 0 && !strict) {
                literal.append(c);
                i++;
                continue;
            }
            int field = close < 0 ? -1 : names.indexOf(text.substring(i + 1, close));
            if (field < 0) {
                throw unknown.of(close < 0 ? text.substring(i) : text.substring(i, close + 1),
                        close < 0 ? text.substring(i + 1) : text.substring(i + 1, close));
            }
            literals.add(literal.toString());
            literal.setLength(0);
            fields.add(field);
            i = close + 1;
        }
        literals.add(literal.toString());
        checkLineLength(what, reply, String.join("", literals));
        return new ReplyTemplate(reply, names, literals, fields);
    }

    /** The index of the {@code '}'} closing a placeholder whose name starts at {@code from}, or -1. */
    private static int placeholderEnd(String text, int from) {
        for (int j = from; j < text.length(); j++) {
            char c = text.charAt(j);
            if (c == '}') {
                return j;
            }
            if (c == '{') {
                return -1;
            }
        }
        return -1;
    }

    /**
     * Checks that a configured reply, its placeholders left empty, fits in an SMTP reply line of
     * {@link #MAX_LINE_OCTETS} octets; what placeholders add is cut at render time ({@link #fit}).
     *
     * @param what how the message names the reply's owner, e.g. {@code rule 'reject_unauth_destination'}
     * @param literalText the reply text without its placeholders
     * @throws IllegalArgumentException naming the owner and the length
     */
    private static void checkLineLength(String what, SmtpReply reply, String literalText) {
        int octets = lineOctets(reply.enhancedStatus(), literalText);
        if (octets > MAX_LINE_OCTETS) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "reply for %s is %d octets as an SMTP line, without its placeholders; RFC 5321 (section"
                            + " 4.5.3.1.5) allows %d with CRLF", what, octets, MAX_LINE_OCTETS));
        }
    }

    /** Octets of {@code code SP status SP text CRLF} in UTF-8 (RFC 6531 allows UTF-8 reply text). */
    private static int lineOctets(String status, String text) {
        return 3 + 1 + status.length() + 1 + utf8Length(text) + 2;
    }

    private static int utf8Length(String s) {
        int octets = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            octets += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return octets;
    }

    /**
     * The reply itself if its line fits in {@link #MAX_LINE_OCTETS} octets, else the reply with its text cut
     * (never inside a surrogate pair) and ending in {@code ...} so that the line fits exactly or nearly.
     *
     * @param reply a reply, perhaps with long echoed values in its text
     * @return a reply whose line fits
     */
    public static SmtpReply fit(SmtpReply reply) {
        String text = reply.text();
        int room = MAX_LINE_OCTETS - lineOctets(reply.enhancedStatus(), "");
        if (text.length() * 3 <= room || utf8Length(text) <= room) {
            return reply; // the usual case: no character takes more than 3 octets
        }
        int octets = 0;
        int k = 0;
        while (k < text.length()) {
            char c = text.charAt(k);
            int chars = Character.isHighSurrogate(c) && k + 1 < text.length() ? 2 : 1;
            int width = chars == 2 ? 4 : c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            if (octets + width > room - CUT.length()) {
                break;
            }
            octets += width;
            k += chars;
        }
        return new SmtpReply(reply.code(), reply.enhancedStatus(), text.substring(0, k) + CUT);
    }

    /** The reply as configured, placeholders unexpanded. */
    public SmtpReply template() {
        return template;
    }

    /**
     * The reply for a request, with echoed values escaped and capped, and the whole line cut to
     * {@link #MAX_LINE_OCTETS} octets if the echoes would make it longer.
     */
    public SmtpReply render(@Nullable RelayRequest request) {
        if (constant != null) {
            return constant;
        }
        if (names == LIST_PLACEHOLDERS) {
            throw new IllegalStateException("a DNS list's reply is rendered by renderList");
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
        return fit(new SmtpReply(template.code(), template.enhancedStatus(), text));
    }

    /**
     * A DNS list's reply: {@code client} and {@code domain} are echoed escaped, {@code zone} and {@code txt}
     * (already escaped by the caller) as given. The line is not cut here.
     *
     * @param client the client address, or {@code ""}
     * @param domain the sender domain, or {@code ""}
     * @param zone the list's display name
     * @param txt what {@code {txt}} stands for, or {@code ""}
     * @return the reply
     */
    public SmtpReply renderList(String client, String domain, String zone, String txt) {
        if (constant != null) {
            return constant;
        }
        if (names != LIST_PLACEHOLDERS) {
            throw new IllegalStateException("a rule's reply is rendered by render");
        }
        StringBuilder sb = new StringBuilder(128);
        for (int k = 0; k < fields.length; k++) {
            sb.append(literals[k]);
            switch (fields[k]) {
                case 0 -> sb.append(Text.escape(client));
                case 1 -> sb.append(Text.escape(domain));
                case 2 -> sb.append(zone);
                default -> sb.append(txt);
            }
        }
        sb.append(literals[fields.length]);
        return new SmtpReply(template.code(), template.enhancedStatus(), sb.toString());
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
            case 3:
                value = request.helo();
                break;
            case 4:
                value = request.authenticatedUser();
                break;
            case 5:
                value = request.clientName();
                if (value == null || value.isBlank()) {
                    value = "unknown";
                }
                break;
            default:
                value = canonicalClient(request);
                break;
        }
        return value == null ? "" : Text.escape(value);
    }

    /**
     * The client address as Postfix shows it: IPv6 in its RFC 5952 form, an IPv4-mapped address as IPv4, any
     * other text as given.
     */
    static @Nullable String canonicalClient(RelayRequest request) {
        String text = request.clientAddress() != null ? request.clientAddress().getHostAddress() : request.client();
        if (text == null) {
            return null;
        }
        long v4 = io.github.relaypolicy.core.internal.match.IpText.parse4(text, 0, text.length());
        if (v4 >= 0) {
            return io.github.relaypolicy.core.internal.match.IpText.format4(v4);
        }
        long[] parsed = new long[2];
        int ok = io.github.relaypolicy.core.internal.match.IpText.parse6(text, 0, text.length(), (hi, lo) -> {
            parsed[0] = hi;
            parsed[1] = lo;
            return 0;
        });
        if (ok == io.github.relaypolicy.core.internal.match.IpText.INVALID) {
            return text;
        }
        if (parsed[0] == 0 && (parsed[1] >>> 32) == 0xffffL) {
            return io.github.relaypolicy.core.internal.match.IpText.format4(parsed[1] & 0xffffffffL);
        }
        return io.github.relaypolicy.core.internal.match.IpText.format6(parsed[0], parsed[1]);
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
