package io.github.relaypolicy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relaypolicy.server.PolicyProtocolException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

final class PolicyRequestReaderTest {

    /** What Postfix 3.8 sends at RCPT (attr_print_plain: name=value and LF, empty line last). */
    static final String SAMPLE = """
            request=smtpd_access_policy
            protocol_state=RCPT
            protocol_name=ESMTP
            client_address=203.0.113.9
            client_name=unknown
            client_port=40312
            reverse_client_name=mx.example.net
            server_address=192.0.2.25
            server_port=25
            helo_name=mx.example.net
            sender=alice@example.net
            recipient=x@victim.example
            recipient_count=0
            queue_id=
            instance=1a2b.656f0a1c.c1d2e.0
            size=0
            etrn_domain=
            stress=
            sasl_method=
            sasl_username=
            sasl_sender=
            ccert_subject=
            ccert_issuer=
            ccert_fingerprint=
            ccert_pubkey_fingerprint=
            encryption_protocol=TLSv1.3
            encryption_cipher=TLS_AES_256_GCM_SHA384
            encryption_keysize=256
            policy_context=
            compatibility_level=3.6
            mail_version=3.8.1

            """;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static PolicyProtocolException failure(String input) {
        PolicyRequestReader reader = new PolicyRequestReader();
        try {
            reader.feed(ByteBuffer.wrap(bytes(input)));
        } catch (PolicyProtocolException e) {
            return e;
        }
        throw new AssertionError("no protocol error for " + input.length() + " characters");
    }

    private static String attributeLine(int valueLength) {
        return "helo_name=" + "h".repeat(valueLength - "helo_name=".length());
    }

    @Test
    void reads_the_attributes_postfix_sends_and_ignores_the_others() throws Exception {
        List<PolicyRequest> requests = new PolicyRequestReader().feed(ByteBuffer.wrap(bytes(SAMPLE)));

        assertThat(requests).hasSize(1);
        PolicyRequest r = requests.get(0);
        assertThat(r).hasToString("PolicyRequest[request=smtpd_access_policy, protocol_state=RCPT, "
                + "client_address=203.0.113.9, client_name=unknown, reverse_client_name=mx.example.net, "
                + "helo_name=mx.example.net, sender=alice@example.net, recipient=x@victim.example, recipient_count=0, "
                + "sasl_username=, ccert_fingerprint=, ccert_pubkey_fingerprint=, instance=1a2b.656f0a1c.c1d2e.0]");
        assertThat(r.attribute("queue_id")).as("not kept").isNull();
        assertThat(r.attribute("mail_version")).isNull();
    }

    @Test
    void gives_the_same_request_whatever_the_chunks() throws Exception {
        byte[] all = bytes(SAMPLE);
        String expected = new PolicyRequestReader().feed(ByteBuffer.wrap(all)).get(0).toString();
        for (int split = 0; split <= all.length; split++) {
            PolicyRequestReader reader = new PolicyRequestReader();
            List<PolicyRequest> got = new ArrayList<>(reader.feed(ByteBuffer.wrap(all, 0, split)));
            assertThat(got).as("split at %d", split).hasSize(split == all.length ? 1 : 0);
            got.addAll(reader.feed(ByteBuffer.wrap(all, split, all.length - split)));
            assertThat(got).as("split at %d", split).singleElement().hasToString(expected);
            assertThat(reader.inRequest()).isFalse();
        }
        PolicyRequestReader bytewise = new PolicyRequestReader();
        List<PolicyRequest> got = new ArrayList<>();
        for (byte b : all) {
            got.addAll(bytewise.feed(ByteBuffer.wrap(new byte[] {b})));
        }
        assertThat(got).singleElement().hasToString(expected);
    }

    @Test
    void next_returns_one_request_and_leaves_the_following_bytes() throws Exception {
        ByteBuffer in = ByteBuffer.wrap(bytes("request=smtpd_access_policy\nprotocol_state=CONNECT\n\n"
                + "request=smtpd_access_policy\nprotocol_state=RCPT\n\nrequest=smtpd_acc"));
        PolicyRequestReader reader = new PolicyRequestReader();

        assertThat(reader.next(in).protocolState()).isEqualTo(PolicyRequest.ProtocolState.CONNECT);
        assertThat(in.remaining()).isEqualTo(49 + 17);
        assertThat(reader.next(in).protocolState()).isEqualTo(PolicyRequest.ProtocolState.RCPT);
        assertThat(reader.next(in)).isNull();
        assertThat(in.hasRemaining()).isFalse();
        assertThat(reader.inRequest()).as("a request is under way").isTrue();
        PolicyRequest third = reader.next(ByteBuffer.wrap(bytes("ess_policy\n\n")));
        assertThat(third).hasToString("PolicyRequest[request=smtpd_access_policy]");
    }

    @Test
    void a_repeated_attribute_keeps_the_last_value_and_requests_do_not_share_values() throws Exception {
        List<PolicyRequest> requests = new PolicyRequestReader().feed(ByteBuffer.wrap(bytes(
                "request=smtpd_access_policy\nsender=a@example.net\nsender=b@example.net\nhelo_name=h\n\n"
                        + "request=smtpd_access_policy\nsender=c@example.net\n\n")));

        assertThat(requests).extracting(Object::toString).containsExactly(
                "PolicyRequest[request=smtpd_access_policy, helo_name=h, sender=b@example.net]",
                "PolicyRequest[request=smtpd_access_policy, sender=c@example.net]");
    }

    @Test
    void crlf_line_ends_are_read_like_lf_and_other_cr_stay_in_the_value() throws Exception {
        List<PolicyRequest> requests = new PolicyRequestReader().feed(ByteBuffer.wrap(bytes(
                "request=smtpd_access_policy\r\nhelo_name=a\rb\r\nsender=\r\n\r\n")));

        assertThat(requests).singleElement().satisfies(r -> {
            assertThat(r.attribute("helo_name")).isEqualTo("a\rb");
            assertThat(r.attribute("sender")).isEmpty();
        });
    }

    @Test
    void values_are_utf8_and_bytes_that_are_not_become_replacement_characters() throws Exception {
        byte[] latin1 = {'h', 'e', 'l', 'o', '_', 'n', 'a', 'm', 'e', '=', 'c', (byte) 0xe9, '\n'};
        PolicyRequestReader reader = new PolicyRequestReader();
        reader.feed(ByteBuffer.wrap(bytes("request=smtpd_access_policy\nsender=jörg@bücher.example\n")));
        reader.feed(ByteBuffer.wrap(latin1));
        PolicyRequest r = reader.feed(ByteBuffer.wrap(bytes("\n"))).get(0);

        assertThat(r.attribute("sender")).isEqualTo("jörg@bücher.example");
        assertThat(r.attribute("helo_name")).isEqualTo("c\uFFFD");
    }

    @Test
    void a_value_may_hold_equals_signs_and_be_empty() throws Exception {
        PolicyRequest r = new PolicyRequestReader().feed(ByteBuffer.wrap(bytes(
                "request=smtpd_access_policy\nhelo_name==a=b=\nsender=\n\n"))).get(0);

        assertThat(r.attribute("helo_name")).isEqualTo("=a=b=");
        assertThat(r.attribute("sender")).isEmpty();
    }

    // ------------------------------------------------------------------------------------------ the line cap

    @Test
    void a_line_of_8192_bytes_is_read_with_lf_and_with_crlf() throws Exception {
        String line = attributeLine(PolicyRequestReader.MAX_LINE_BYTES);
        assertThat(bytes(line)).hasSize(8192);

        for (String end : new String[] {"\n", "\r\n"}) {
            PolicyRequest r = new PolicyRequestReader().feed(ByteBuffer.wrap(bytes(
                    "request=smtpd_access_policy" + end + line + end + end))).get(0);
            assertThat(r.attribute("helo_name")).hasSize(8192 - "helo_name=".length());
        }
    }

    @Test
    void a_line_of_8193_bytes_is_a_protocol_error() {
        String line = attributeLine(PolicyRequestReader.MAX_LINE_BYTES + 1);

        for (String end : new String[] {"\n", "\r\n"}) {
            PolicyProtocolException e = failure("request=smtpd_access_policy\n" + line + end);
            assertThat(e.reason()).isEqualTo(Reason.LINE_TOO_LONG);
            assertThat(e).hasMessage("policy request line 2 is longer than 8192 bytes: 'helo_name="
                    + "h".repeat(54) + "...'");
        }
    }

    @Test
    void a_cr_after_8192_bytes_that_does_not_end_the_line_is_one_byte_too_many() {
        PolicyProtocolException e = failure(attributeLine(PolicyRequestReader.MAX_LINE_BYTES) + "\rx\n");

        assertThat(e.reason()).isEqualTo(Reason.LINE_TOO_LONG);
        assertThat(e).hasMessageStartingWith("policy request line 1 is longer than 8192 bytes: 'helo_name=hhh");
    }

    @Test
    void an_endless_line_fails_as_soon_as_it_passes_the_cap() {
        PolicyRequestReader reader = new PolicyRequestReader();
        byte[] chunk = new byte[1024];
        Arrays.fill(chunk, (byte) 'a');
        PolicyProtocolException error = null;
        int chunks = 0;
        for (; chunks < 100 && error == null; chunks++) {
            try {
                reader.feed(ByteBuffer.wrap(chunk));
            } catch (PolicyProtocolException e) {
                error = e;
            }
        }

        assertThat(chunks).as("the ninth KiB holds byte 8193").isEqualTo(9);
        assertThat(error.reason()).isEqualTo(Reason.LINE_TOO_LONG);
    }

    // ------------------------------------------------------------------------------------- the attribute cap

    @Test
    void a_request_of_1000_attribute_lines_is_read_and_the_count_starts_again_with_each_request() throws Exception {
        String request = "request=smtpd_access_policy\n" + "x=y\n".repeat(998) + "sender=s@example.net\n\n";
        PolicyRequestReader reader = new PolicyRequestReader();

        List<PolicyRequest> requests = reader.feed(ByteBuffer.wrap(bytes(request + request)));

        assertThat(requests).hasSize(2).allSatisfy(r -> assertThat(r.attribute("sender")).isEqualTo("s@example.net"));
    }

    @Test
    void a_request_of_1001_attribute_lines_is_a_protocol_error() {
        PolicyProtocolException e = failure("request=smtpd_access_policy\n" + "x=y\n".repeat(1000));

        assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_ATTRIBUTES);
        assertThat(e).hasMessage("policy request has more than 1000 attributes");
    }

    // ------------------------------------------------------------------------------------- the other errors

    @Test
    void a_line_without_equals_sign_or_without_a_name_is_a_protocol_error() {
        PolicyProtocolException noEquals = failure("request=smtpd_access_policy\nGET / HTTP/1.0\r\n");
        assertThat(noEquals.reason()).isEqualTo(Reason.NOT_AN_ATTRIBUTE);
        assertThat(noEquals).hasMessage("policy request line 2 is not name=value: 'GET / HTTP/1.0'");

        PolicyProtocolException noName = failure("=smtpd_access_policy\n");
        assertThat(noName.reason()).isEqualTo(Reason.NOT_AN_ATTRIBUTE);
        assertThat(noName).hasMessage("policy request line 1 is not name=value: '=smtpd_access_policy'");

        assertThat(failure("request=smtpd_access_policy\nhelo\u001b[31m\n")).hasMessage(
                "policy request line 2 is not name=value: 'helo\\x1B[31m'");
    }

    @Test
    void a_nul_byte_is_a_protocol_error_even_in_a_value_or_an_ignored_attribute() {
        PolicyProtocolException e = failure("request=smtpd_access_policy\nqueue_id=AB\u0000CD\n\n");

        assertThat(e.reason()).isEqualTo(Reason.NUL_BYTE);
        assertThat(e).hasMessage("policy request line 2 holds a NUL byte at byte 12");
        assertThat(failure("\u0000")).hasMessage("policy request line 1 holds a NUL byte at byte 1");
    }

    @Test
    void a_request_without_request_smtpd_access_policy_is_a_protocol_error() {
        PolicyProtocolException missing = failure("protocol_state=RCPT\nsender=a@example.net\n\n");
        assertThat(missing.reason()).isEqualTo(Reason.NOT_A_POLICY_REQUEST);
        assertThat(missing).hasMessage("policy request without request=smtpd_access_policy");

        assertThat(failure("\n")).as("an empty request").hasMessage(
                "policy request without request=smtpd_access_policy");

        PolicyProtocolException other = failure("request=smtpd_access_policy\nrequest=delivery\r\n\n");
        assertThat(other.reason()).isEqualTo(Reason.NOT_A_POLICY_REQUEST);
        assertThat(other).hasMessage("policy request of type 'delivery', not smtpd_access_policy");

        assertThat(failure("request=SMTPD_ACCESS_POLICY\n\n")).as("the type is case-sensitive, as in Postfix")
                .hasMessage("policy request of type 'SMTPD_ACCESS_POLICY', not smtpd_access_policy");
    }

    @Test
    void a_reader_that_met_an_error_refuses_more_input() {
        PolicyRequestReader reader = new PolicyRequestReader();
        assertThatThrownBy(() -> reader.feed(ByteBuffer.wrap(bytes("junk\n"))))
                .isInstanceOf(PolicyProtocolException.class);

        assertThatThrownBy(() -> reader.feed(ByteBuffer.wrap(bytes(SAMPLE))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the reader has met a protocol error; close the connection");
    }

    /**
     * The reader copies the bytes of a line at once when they fit and goes byte by byte at the bounds: whatever the
     * chunks (one buffer, single bytes, random cuts, heap or direct), the same requests and the same error come out.
     */
    @Test
    void chunking_never_changes_what_is_read() {
        java.util.Random random = new java.util.Random(13);
        String[] pieces = {"request=smtpd_access_policy\n", "protocol_state=RCPT\n", "sender=a@example.net\n",
            "recipient=b@example.org\r\n", "helo_name=", "\n", "\r", "\u0000", "=", "x", "client_address=192.0.2.1\n",
            "h".repeat(4000), "é", "junk"};
        for (int round = 0; round < 2000; round++) {
            StringBuilder text = new StringBuilder();
            int n = 1 + random.nextInt(30);
            for (int i = 0; i < n; i++) {
                text.append(pieces[random.nextInt(pieces.length)]);
            }
            if (random.nextBoolean()) {
                text.append("request=smtpd_access_policy\n\n");
            }
            byte[] input = text.toString().getBytes(StandardCharsets.UTF_8);
            String whole = outcome(input, new int[] {input.length}, false);
            int[] ones = new int[input.length];
            Arrays.fill(ones, 1);
            assertThat(outcome(input, ones, false)).as("round %d, single bytes", round).isEqualTo(whole);
            int[] cuts = new int[1 + random.nextInt(8)];
            for (int i = 0; i < cuts.length; i++) {
                cuts[i] = 1 + random.nextInt(Math.max(1, input.length / 2));
            }
            assertThat(outcome(input, cuts, random.nextBoolean())).as("round %d, cuts %s", round,
                    Arrays.toString(cuts)).isEqualTo(whole);
        }
    }

    /** The requests read and the error met, chunk sizes cycling through {@code sizes}. */
    private static String outcome(byte[] input, int[] sizes, boolean direct) {
        PolicyRequestReader reader = new PolicyRequestReader();
        StringBuilder out = new StringBuilder();
        int from = 0;
        int k = 0;
        try {
            while (from < input.length) {
                int size = Math.min(sizes[k++ % sizes.length], input.length - from);
                ByteBuffer chunk = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size + 3);
                if (!direct) {
                    chunk.position(3); // an offset, as a slice of a larger buffer has
                    chunk = chunk.slice();
                }
                chunk.put(input, from, size).flip();
                from += size;
                PolicyRequest r;
                while ((r = reader.next(chunk)) != null) {
                    out.append(r).append('\n');
                }
                assertThat(chunk.hasRemaining()).isFalse();
            }
            out.append("in request: ").append(reader.inRequest());
        } catch (PolicyProtocolException e) {
            out.append(e.reason()).append(": ").append(e.getMessage());
        }
        return out.toString();
    }
}
