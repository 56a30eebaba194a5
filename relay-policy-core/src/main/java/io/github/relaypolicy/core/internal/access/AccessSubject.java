package io.github.relaypolicy.core.internal.access;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.core.internal.match.IpText;
import io.github.relaypolicy.core.internal.match.SmtpPath;
import org.jspecify.annotations.Nullable;

/**
 * The parts of a request the access tables read: mutable, one per thread ({@link #forThread}), filled by the rules
 * from what they parsed already, so that a lookup allocates nothing. Setters return {@code this}.
 */
public final class AccessSubject implements IpText.Sink6 {

    /** Names and addresses longer than this are not looked up (the request checks refuse them anyway). */
    static final int MAX_TEXT = 1024;

    private static final ThreadLocal<AccessSubject> THREAD = ThreadLocal.withInitial(AccessSubject::new);

    // lookup settings
    String delimiters = "";
    String nullSenderKey = "<>";

    // client
    @Nullable String clientAddress;
    String clientName = "unknown";
    /** 0: no address; 4: IPv4 in {@link #addr4}; 6: IPv6 in {@link #hi}/{@link #lo}. */
    int family;
    long addr4;
    long hi;
    long lo;

    // HELO
    @Nullable String helo;

    // sender and recipient: the path text and where its mailbox's parts are
    final Mailbox sender = new Mailbox();
    final Mailbox recipient = new Mailbox();

    // What request() filled the fields from, so that the rules, which may ask for the subject of one request twice
    // (a RELAY entry looked for before the block checks), fill it once; null after any other setter.
    private @Nullable RelayRequest filledFrom;
    private long filledSender;
    private long filledRecipient;
    /** Bit per Family ordinal: the family's tables were asked for this request already and found no entry. */
    private int silent;
    private long silentTables;

    /** Scratch of a text-table lookup: the name last looked up (maybe converted to A-labels) and its hash. */
    String name = "";
    int nameFrom;
    int nameTo;
    int nameHash;

    /** A new, empty subject (tests; the rules use {@link #forThread}). */
    public AccessSubject() {
    }

    /** This thread's subject. */
    public static AccessSubject forThread() {
        return THREAD.get();
    }

    /**
     * Sets what the lookups need from the settings.
     *
     * @param delimiters {@code recipient_delimiter}: each character is a delimiter; empty for none
     * @param nullSenderKey {@code smtpd_null_access_lookup_key}, e.g. {@code <>}
     */
    public AccessSubject reset(String delimiters, String nullSenderKey) {
        this.filledFrom = null;
        this.silent = 0;
        this.delimiters = delimiters;
        this.nullSenderKey = nullSenderKey;
        return this;
    }

    /**
     * Sets everything from a request: the client (its address as given, or as text), its verified name, HELO,
     * sender and recipient, and the lookup settings. Allocation-free.
     *
     * @param r the request
     * @param senderPath {@code SmtpPath.parse(r.sender())}
     * @param recipientPath {@code SmtpPath.parse(r.recipient())}
     * @param delimiters {@code recipient_delimiter}
     * @param nullAccessKey {@code smtpd_null_access_lookup_key}
     */
    public AccessSubject request(RelayRequest r, long senderPath, long recipientPath, String delimiters,
            String nullAccessKey) {
        if (r == filledFrom && senderPath == filledSender && recipientPath == filledRecipient
                && delimiters.equals(this.delimiters) && nullAccessKey.equals(nullSenderKey)) {
            return this; // a request is immutable: filled already
        }
        reset(delimiters, nullAccessKey);
        // the text, also when the address was given as an InetAddress (the builder keeps its text): parsing it
        // allocates nothing, where InetAddress.getAddress() copies an IPv6 address
        client(r.client(), r.clientName());
        helo = r.helo();
        sender.set(r.sender(), senderPath);
        recipient.set(r.recipient(), recipientPath);
        filledFrom = r;
        filledSender = senderPath;
        filledRecipient = recipientPath;
        return this;
    }

    /**
     * Records that no table of {@code family} in {@code tables} has an entry for this subject, so that the rules,
     * having asked the family for a RELAY entry, need not ask its tables again in the block checks. Forgotten when
     * the subject is filled again or changed; kept only for the tables given (another engine's differ). The tables
     * are named by a number, not held: a thread's subject must not keep a replaced rule set's tables alive.
     *
     * @param family the family asked
     * @param tables a number unique to the rules' tables
     */
    public void nothingFound(Family family, long tables) {
        if (filledFrom == null) {
            return;
        }
        if (silentTables != tables) {
            silentTables = tables;
            silent = 0;
        }
        silent |= 1 << family.ordinal();
    }

    /** Whether {@link #nothingFound(Family, long)} was recorded for the family and tables since the last fill. */
    public boolean nothingFound(int ordinal, long tables) {
        return silentTables == tables && (silent & 1 << ordinal) != 0;
    }

    /**
     * Sets the client.
     *
     * @param address the client's address text (IPv4, IPv6), or null
     * @param name the verified host name, or null or {@code unknown} for none
     */
    public AccessSubject client(@Nullable String address, @Nullable String name) {
        this.filledFrom = null;
        this.silent = 0;
        this.clientAddress = address;
        this.clientName = name == null || name.isEmpty() ? "unknown" : name;
        this.family = 0;
        if (address != null && address.length() <= MAX_TEXT) {
            long a = IpText.parse4(address, 0, address.length());
            if (a >= 0) {
                addr4 = a;
                family = 4;
            } else {
                IpText.parse6(address, 0, address.length(), this);
            }
        }
        return this;
    }

    /** Takes the parsed IPv6 client address; an IPv4-mapped one is the IPv4 client it carries, as in Postfix. */
    @Override
    public int accept(long hi, long lo) {
        if (IpText.isMapped(hi, lo)) {
            addr4 = lo & 0xffffffffL;
            family = 4;
        } else {
            this.hi = hi;
            this.lo = lo;
            family = 6;
        }
        return 0;
    }

    /** Sets the HELO/EHLO name, or null when the client sent none. */
    public AccessSubject helo(@Nullable String helo) {
        this.filledFrom = null;
        this.silent = 0;
        this.helo = helo;
        return this;
    }

    /**
     * Sets the MAIL FROM path.
     *
     * @param path the path as received, e.g. {@code <user@example.org>} or {@code <>}, or null for none
     * @param parsed {@code SmtpPath.parse(path)}
     */
    public AccessSubject sender(@Nullable String path, long parsed) {
        this.filledFrom = null;
        this.silent = 0;
        sender.set(path, parsed);
        return this;
    }

    /**
     * Sets the RCPT TO path.
     *
     * @param path the path as received, or null for none
     * @param parsed {@code SmtpPath.parse(path)}
     */
    public AccessSubject recipient(@Nullable String path, long parsed) {
        this.filledFrom = null;
        this.silent = 0;
        recipient.set(path, parsed);
        return this;
    }

    /**
     * The client text Postfix names in replies: {@code name[address]}, {@code unknown[address]} without a name, the
     * address in canonical form (an IPv4-mapped address as IPv4, IPv6 compressed and lower-case).
     */
    public String clientReplyName() {
        return clientName + "[" + clientAddressText() + "]";
    }

    /** The client address in the canonical form Postfix shows and matches regexp tables with. */
    String clientAddressText() {
        return family == 4 ? IpText.format4(addr4) : family == 6 ? IpText.format6(hi, lo)
                : clientAddress == null ? "" : clientAddress;
    }

    /** The address Postfix names in replies for the sender ({@code ""} for the null sender) or recipient. */
    public static String addressReplyName(String path) {
        String s = path.strip();
        if (s.length() >= 2 && s.charAt(0) == '<' && s.charAt(s.length() - 1) == '>') {
            s = s.substring(1, s.length() - 1);
        }
        return s;
    }

    /** Where the parts of a mailbox are in its path text; -1 where there is none. */
    static final class Mailbox {
        @Nullable String path;
        /** null path {@code <>}. */
        boolean nullPath;
        /** The mailbox could be read: {@link #localStart} etc. are set. */
        boolean valid;
        int localStart;
        /** The '@' before the domain, or -1 (an unqualified address: the local part ends at {@link #end}). */
        int at;
        int domainEnd;
        int end;
        boolean nonAscii;

        void set(@Nullable String p, long parsed) {
            path = p;
            nullPath = false;
            valid = false;
            if (p == null) {
                return;
            }
            int status = SmtpPath.status(parsed);
            if (status == SmtpPath.NULL_PATH) {
                nullPath = true;
                return;
            }
            if (status != SmtpPath.OK || p.length() > MAX_TEXT) {
                return;
            }
            int flags = SmtpPath.flags(parsed);
            int from = 0;
            int to = p.length();
            while (from < to && (p.charAt(from) == ' ' || p.charAt(from) == '\t')) {
                from++;
            }
            while (to > from && (p.charAt(to - 1) == ' ' || p.charAt(to - 1) == '\t')) {
                to--;
            }
            if (from < to && p.charAt(from) == '<') {
                from++;
                to--;
            }
            if ((flags & SmtpPath.SOURCE_ROUTE) != 0) {
                // the mailbox follows the route's ':' (a literal in the route holds no ':' before its ']')
                int k = from;
                while (k < to && p.charAt(k) != ':') {
                    if (p.charAt(k) == '[') {
                        int close = p.indexOf(']', k);
                        k = close < 0 ? to : close;
                    }
                    k++;
                }
                from = Math.min(k + 1, to);
            }
            localStart = from;
            if ((flags & SmtpPath.HAS_DOMAIN) != 0) {
                at = SmtpPath.domainStart(parsed) - 1;
                domainEnd = SmtpPath.domainEnd(parsed);
            } else {
                at = -1;
                domainEnd = to;
            }
            end = to;
            nonAscii = (flags & SmtpPath.NON_ASCII) != 0;
            valid = localStart < (at < 0 ? end : at);
            if (valid && p.charAt(localStart) == '"') {
                // ""@example.org stays valid: its domain is still looked up, as Postfix looks up @example.org
                unquote(p);
            }
        }

        /**
         * A quoted local part is looked up as Postfix looks it up, in the form trivial-rewrite returns:
         * {@code "bob"@example.org} as {@code bob@example.org}, {@code "a b"@example.org} as {@code a b@example.org}
         * (unquote_822_local: the quotes dropped, a backslash escape replaced by the character). Only quoted paths
         * allocate.
         */
        private void unquote(String p) {
            int localEnd = at < 0 ? end : at;
            StringBuilder sb = new StringBuilder(end - localStart);
            for (int i = localStart; i < localEnd; i++) {
                char c = p.charAt(i);
                if (c == '"') {
                    continue;
                }
                if (c == '\\' && i + 1 < localEnd) {
                    c = p.charAt(++i);
                }
                sb.append(c);
            }
            int local = sb.length();
            sb.append(p, localEnd, end);
            int shift = localEnd - localStart - local;
            path = sb.toString();
            if (at >= 0) {
                at -= localStart + shift;
                domainEnd -= localStart + shift;
            }
            end = sb.length();
            localStart = 0;
        }
    }
}
