package io.github.relaypolicy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relaypolicy.RelayRequest;
import io.github.relaypolicy.server.PolicyRequest.ProtocolState;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class PolicyRequestTest {

    private static PolicyRequest read(String attributes) throws PolicyProtocolException {
        return new PolicyRequestReader().feed(ByteBuffer.wrap(("request=smtpd_access_policy\n" + attributes + "\n")
                .getBytes(StandardCharsets.UTF_8))).get(0);
    }

    @Test
    void maps_the_postfix_sample_to_a_relay_request() throws Exception {
        PolicyRequest r = new PolicyRequestReader().feed(ByteBuffer.wrap(
                PolicyRequestReaderTest.SAMPLE.getBytes(StandardCharsets.UTF_8))).get(0);

        RelayRequest relay = r.toRelayRequest();

        assertThat(r.isDecided()).isTrue();
        assertThat(relay.client()).isEqualTo("203.0.113.9");
        assertThat(relay.clientName()).as("client_name=unknown: not verified").isNull();
        assertThat(r.reverseClientName()).isEqualTo("mx.example.net");
        assertThat(relay.helo()).isEqualTo("mx.example.net");
        assertThat(relay.sender()).isEqualTo("alice@example.net");
        assertThat(relay.recipient()).isEqualTo("x@victim.example");
        assertThat(relay.authenticatedUser()).as("empty sasl_username").isNull();
        assertThat(relay.tlsCertificateFingerprint()).isNull();
        assertThat(relay.tlsPublicKeyFingerprint()).isNull();
        assertThat(relay.transactionId()).isEqualTo("1a2b.656f0a1c.c1d2e.0");
        assertThat(r.recipientCount()).isZero();
    }

    @Test
    void maps_every_attribute_relay_policy_reads() throws Exception {
        PolicyRequest r = read("""
                protocol_state=RCPT
                client_address=2001:db8::25
                client_name=mail.example.net
                reverse_client_name=unknown
                helo_name=mail.example.net
                sender=
                recipient=bob@example.org
                sasl_username=alice
                ccert_fingerprint=AA:BB
                ccert_pubkey_fingerprint=CC:DD
                instance=42.7
                """);

        RelayRequest relay = r.toRelayRequest();

        assertThat(relay.client()).isEqualTo("2001:db8::25");
        assertThat(relay.clientName()).isEqualTo("mail.example.net");
        assertThat(r.reverseClientName()).isNull();
        assertThat(relay.sender()).as("empty sender: the null sender").isEqualTo("<>");
        assertThat(relay.recipient()).isEqualTo("bob@example.org");
        assertThat(relay.authenticatedUser()).isEqualTo("alice");
        assertThat(relay.tlsCertificateFingerprint()).isEqualTo("AA:BB");
        assertThat(relay.tlsPublicKeyFingerprint()).isEqualTo("CC:DD");
        assertThat(relay.transactionId()).isEqualTo("42.7");
    }

    @Test
    void absent_attributes_are_absent_in_the_relay_request() throws Exception {
        PolicyRequest r = read("protocol_state=RCPT\nclient_name=\nrecipient=\n");

        RelayRequest relay = r.toRelayRequest();

        assertThat(relay.client()).isNull();
        assertThat(relay.clientName()).isNull();
        assertThat(relay.helo()).isNull();
        assertThat(relay.sender()).as("no sender attribute: no MAIL FROM, not <>").isNull();
        assertThat(relay.recipient()).isNull();
        assertThat(relay.transactionId()).isNull();
    }

    @ParameterizedTest
    @CsvSource({
        "CONNECT, CONNECT, false", "EHLO, EHLO, false", "HELO, HELO, false", "MAIL, MAIL, false",
        "RCPT, RCPT, true", "rcpt, RCPT, true", "DATA, DATA, false", "BDAT, DATA, false",
        "END-OF-MESSAGE, END_OF_MESSAGE, false", "VRFY, VRFY, false", "ETRN, ETRN, false",
        "'', OTHER, false", "RCPT TO, OTHER, false"})
    void only_rcpt_is_decided(String sent, ProtocolState state, boolean decided) throws Exception {
        PolicyRequest r = read("protocol_state=" + sent + "\n");

        assertThat(r.protocolState()).isEqualTo(state);
        assertThat(r.isDecided()).isEqualTo(decided);
    }

    @Test
    void a_request_without_protocol_state_is_decided_if_it_names_a_recipient() throws Exception {
        PolicyRequest forgotten = read("recipient=bob@example.org\n");
        assertThat(forgotten.protocolState()).isEqualTo(ProtocolState.OTHER);
        assertThat(forgotten.isDecided()).as("a hand-written request that forgot its state").isTrue();
        assertThat(read("protocol_state=\nrecipient=bob@example.org\n").isDecided()).isTrue();
        assertThat(read("sender=a@example.net\n").isDecided()).as("no recipient").isFalse();
        assertThat(read("recipient=\n").isDecided()).isFalse();
        assertThat(read("protocol_state=RCPT TO\nrecipient=bob@example.org\n").isDecided())
                .as("a state this version does not know").isFalse();
    }

    @ParameterizedTest
    @CsvSource({"3, 3", "0, 0", "'', 0", "2147483647, 2147483647", "2147483648, 0", "99999999999, 0", "-1, 0",
        "1x, 0", "' 2', 0"})
    void recipient_count_is_a_number_or_zero(String sent, int count) throws Exception {
        assertThat(read("protocol_state=END-OF-MESSAGE\nrecipient_count=" + sent + "\n").recipientCount())
                .isEqualTo(count);
    }

    @Test
    void to_string_escapes_what_the_client_sent() throws Exception {
        assertThat(read("helo_name=a\rb\u001b\n")).hasToString(
                "PolicyRequest[request=smtpd_access_policy, helo_name=a\\rb\\x1B]");
    }
}
