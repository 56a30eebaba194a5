/**
 * The public vocabulary of relay-policy: {@link io.github.relaypolicy.RelayPolicy}, the
 * {@link io.github.relaypolicy.RelayRequest} it is asked about and the {@link io.github.relaypolicy.Decision}
 * it answers with.
 */
module io.github.relaypolicy.api {
    requires static org.jspecify;

    exports io.github.relaypolicy;
}
