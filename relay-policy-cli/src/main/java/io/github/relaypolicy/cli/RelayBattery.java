package io.github.relaypolicy.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The open-relay battery: the sender/recipient pairs that block-list operators and scanners (nmap
 * {@code smtp-open-relay}, Metasploit {@code smtp_relay}) use to get mail to a third-party domain through a relay
 * check that only looks at the plain {@code user@domain} form (RFC 2505; see the engine's
 * {@code OpenRelayBatteryTest}).
 *
 * <p>The battery has 30 tests with stable ids: for each of the 14 recipient forms, in the order below, first a
 * sender in our domain ({@code antispam@OURDOMAIN}, odd ids 1..27) and then a foreign sender
 * ({@code antispam@VICTIM}, even ids 2..28); then the plain recipient with the null sender (29) and with a sender at
 * our address literal (30). Every test must be refused by a server for an untrusted, unauthenticated client.
 *
 * <ol>
 *   <li>{@code relaytest@VICTIM}</li>
 *   <li>{@code relaytest%VICTIM@LITERAL}</li>
 *   <li>{@code relaytest%VICTIM@OURDOMAIN}</li>
 *   <li>{@code "relaytest@VICTIM"}</li>
 *   <li>{@code "relaytest%VICTIM"}</li>
 *   <li>{@code relaytest@VICTIM@OURDOMAIN}</li>
 *   <li>{@code "relaytest@VICTIM"@OURDOMAIN}</li>
 *   <li>{@code relaytest@VICTIM@LITERAL}</li>
 *   <li>{@code @OURDOMAIN:relaytest@VICTIM}</li>
 *   <li>{@code @LITERAL:relaytest@VICTIM}</li>
 *   <li>{@code VICTIM!relaytest}</li>
 *   <li>{@code VICTIM!relaytest@OURDOMAIN}</li>
 *   <li>{@code VICTIM!relaytest@LITERAL}</li>
 *   <li>{@code "VICTIM!relaytest"@OURDOMAIN}</li>
 * </ol>
 *
 * @since 0.1.0
 */
public final class RelayBattery {

    /** The number of tests in the battery. */
    static final int SIZE = 30;

    private RelayBattery() {
    }

    /**
     * One test of the battery: a {@code MAIL FROM} and a {@code RCPT TO} that must not be relayed.
     *
     * @param id the test's number, 1 to 30, stable across releases
     * @param sender the {@code MAIL FROM} path without angle brackets, {@code ""} for the null sender
     * @param recipient the {@code RCPT TO} path without angle brackets
     * @param description what the test tries, in a few words, e.g. {@code percent hack via our literal, local
     *     sender}
     * @since 0.1.0
     */
    public record Test(int id, String sender, String recipient, String description) {

        /**
         * Checks the parts of the test.
         *
         * @throws NullPointerException if a text part is null
         */
        public Test {
            Objects.requireNonNull(sender, "sender");
            Objects.requireNonNull(recipient, "recipient");
            Objects.requireNonNull(description, "description");
        }

        /**
         * The {@code MAIL FROM} path as sent: the sender in angle brackets, {@code <>} for the null sender.
         *
         * @return the sender path
         * @since 0.1.0
         */
        public String senderPath() {
            return "<" + sender + ">";
        }

        /**
         * The {@code RCPT TO} path as sent: the recipient in angle brackets.
         *
         * @return the recipient path
         * @since 0.1.0
         */
        public String recipientPath() {
            return "<" + recipient + ">";
        }
    }

    /**
     * The 30 tests of the battery for one server, in id order.
     *
     * @param ourDomain the domain the server receives mail for, e.g. {@code example.org}
     * @param ourLiteral the server's address literal, e.g. {@code [192.0.2.1]} or {@code [IPv6:2001:db8::1]}
     * @param victimDomain the third-party domain that must not be relayed to, e.g. {@code victim.example}
     * @return an immutable list of 30 tests, ids 1 to 30
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if a domain is empty or holds characters that would change the forms
     *     ({@code @ % ! : " < >}, space or control characters), or {@code ourLiteral} is not in brackets
     * @since 0.1.0
     */
    public static List<Test> tests(String ourDomain, String ourLiteral, String victimDomain) {
        String ours = checkDomain("ourDomain", ourDomain);
        String literal = checkDomain("ourLiteral", ourLiteral);
        String victim = checkDomain("victimDomain", victimDomain);
        if (literal.length() < 3 || literal.charAt(0) != '[' || literal.charAt(literal.length() - 1) != ']') {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "ourLiteral '%s' is not an address literal such as [192.0.2.1]", literal));
        }
        String[][] forms = {
            {"relaytest@" + victim, "plain victim address"},
            {"relaytest%" + victim + "@" + literal, "percent hack via our literal"},
            {"relaytest%" + victim + "@" + ours, "percent hack via our domain"},
            {"\"relaytest@" + victim + "\"", "quoted victim address, no domain"},
            {"\"relaytest%" + victim + "\"", "quoted percent hack, no domain"},
            {"relaytest@" + victim + "@" + ours, "double @ via our domain"},
            {"\"relaytest@" + victim + "\"@" + ours, "quoted victim address at our domain"},
            {"relaytest@" + victim + "@" + literal, "double @ via our literal"},
            {"@" + ours + ":relaytest@" + victim, "source route via our domain"},
            {"@" + literal + ":relaytest@" + victim, "source route via our literal"},
            {victim + "!relaytest", "bang path, no domain"},
            {victim + "!relaytest@" + ours, "bang path via our domain"},
            {victim + "!relaytest@" + literal, "bang path via our literal"},
            {"\"" + victim + "!relaytest\"@" + ours, "quoted bang path at our domain"},
        };
        List<Test> tests = new ArrayList<>(SIZE);
        for (String[] form : forms) {
            tests.add(new Test(tests.size() + 1, "antispam@" + ours, form[0], form[1] + ", local sender"));
            tests.add(new Test(tests.size() + 1, "antispam@" + victim, form[0], form[1] + ", foreign sender"));
        }
        String plain = forms[0][0];
        tests.add(new Test(tests.size() + 1, "", plain, "plain victim address, null sender"));
        tests.add(new Test(tests.size() + 1, "antispam@" + literal, plain,
                "plain victim address, sender at our literal"));
        return List.copyOf(tests);
    }

    private static String checkDomain(String name, String value) {
        Objects.requireNonNull(value, name);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(name + " is empty");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= ' ' || c >= 0x7f || "@%!:\"<>".indexOf(c) >= 0 && !(c == ':' && isLiteral(value))) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s '%s': character U+%04X at index %d is not allowed in a domain", name,
                        Text.printable(value, 100), (int) c, i));
            }
        }
        return value;
    }

    /** IPv6 literals hold colons ({@code [IPv6:2001:db8::1]}); only there may a colon appear. */
    private static boolean isLiteral(String value) {
        return value.startsWith("[") && value.endsWith("]");
    }
}
