package io.github.relaypolicy.core.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review of issue 9, defect 3: a query's place among those in flight must be given back however its answer is
 * handled. It was given back by a task handed to the executor after the answer was classified, so a task the
 * executor could not take (refused, or {@code OutOfMemoryError: unable to create native thread}) or an error
 * while the answer was handled (an {@code OutOfMemoryError} under the very heap pressure an outage causes) kept
 * the place for good, and the lookup completed exceptionally although it "never completes exceptionally". With
 * {@code maxInFlight} places lost that way, every later decision is "not asked" and defers, for ever.
 */
final class QueryPermitTest {

    private FakeDnsServer server;

    @BeforeEach
    void start() throws Exception {
        server = FakeDnsServer.start(name -> null); // NXDOMAIN for every name
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private ListLookups lookups(Executor executor) {
        return new ListLookups(List.of(new InetSocketAddress("127.0.0.1", server.port())), Duration.ofSeconds(2),
                Duration.ofSeconds(5), Duration.ofHours(1), 1000, 1, executor);
    }

    private static QueryKey ip4(long last) {
        return QueryKey.ip4("bl.test", 0xC0000200L | last);
    }

    private static final Executor REFUSING = task -> {
        throw new RejectedExecutionException("no room");
    };

    private static final Executor NO_THREAD = task -> {
        throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
    };

    private static void settle(CompletableFuture<?> f) throws Exception {
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            // checked below
        }
    }

    @Test
    void an_executor_that_refuses_a_task_loses_no_place_and_the_lookup_still_completes_normally() throws Exception {
        ListLookups l = lookups(REFUSING);
        CompletableFuture<RawAnswer> first = l.lookup(ip4(1));
        settle(first);
        assertThat(first).as("never completes exceptionally").isCompleted().isNotCompletedExceptionally();
        assertThat(l.inFlight()).as("places in flight after the answer").isZero();
        CompletableFuture<RawAnswer> next = l.lookup(ip4(2));
        settle(next);
        // (with an executor that refuses everything, dnsjava may fail the query before sendAsync returns, which
        // reads as "no socket"; what matters is that the limit of queries in flight does not refuse it)
        assertThat(next.join().classify(AnswerFilter.any())).as("the next query is not refused by the limit")
                .isNotSameAs(ListAnswer.notAsked(ListAnswer.QUERY_LIMIT));
    }

    @Test
    void an_error_handing_the_answer_over_loses_no_place() throws Exception {
        ListLookups l = lookups(NO_THREAD);
        CompletableFuture<RawAnswer> first = l.lookup(ip4(3));
        settle(first);
        assertThat(first).as("never completes exceptionally").isCompleted().isNotCompletedExceptionally();
        assertThat(l.inFlight()).isZero();
    }

    @Test
    void a_txt_query_loses_no_place_either() throws Exception {
        ListLookups l = lookups(REFUSING);
        CompletableFuture<String> txt = l.txt(ip4(4));
        settle(txt);
        assertThat(txt).isCompleted().isNotCompletedExceptionally();
        assertThat(l.inFlight()).isZero();
    }
}
