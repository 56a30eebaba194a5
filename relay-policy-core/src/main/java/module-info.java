/**
 * The relay-policy decision engine. Start at {@link io.github.relaypolicy.core.RelayEngine}.
 */
module io.github.relaypolicy.core {
    requires transitive io.github.relaypolicy.api;
    requires static org.jspecify;
    requires org.dnsjava;
    requires com.github.benmanes.caffeine;
    requires jdk.management; // the process's descriptor limit, to keep DNS queries below it

    exports io.github.relaypolicy.core;
    exports io.github.relaypolicy.core.spi;

    uses io.github.relaypolicy.core.spi.RateLimitStoreProvider;
    uses io.github.relaypolicy.core.spi.RegexpEngineProvider;
}
