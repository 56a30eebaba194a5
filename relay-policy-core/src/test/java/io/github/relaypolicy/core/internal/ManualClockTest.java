package io.github.relaypolicy.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The tests' clock: it moves only when told, and fires the timers then due, in order, on the advancing thread. */
final class ManualClockTest {

    @Test
    void the_clock_stands_still_until_advanced_and_may_read_negative_as_nano_time_may() {
        ManualClock clock = new ManualClock();
        long start = clock.nanoTime();
        assertThat(start).isNegative();
        assertThat(clock.nanoTime()).isEqualTo(start);
        clock.advance(Duration.ofSeconds(3));
        assertThat(clock.nanoTime() - start).isEqualTo(Duration.ofSeconds(3).toNanos());
    }

    @Test
    void timers_fire_once_due_in_the_order_they_are_due_on_the_advancing_thread() {
        ManualClock clock = new ManualClock();
        List<String> fired = new ArrayList<>();
        clock.after(Duration.ofSeconds(2).toNanos()).thenRun(() -> fired.add("2 s " + Thread.currentThread().getName()));
        clock.after(Duration.ofSeconds(1).toNanos()).thenRun(() -> fired.add("1 s"));
        clock.after(Duration.ofSeconds(5).toNanos()).thenRun(() -> fired.add("5 s"));
        assertThat(clock.timersSet()).isEqualTo(3);

        clock.advance(Duration.ofMillis(999));
        assertThat(fired).isEmpty();
        clock.advance(Duration.ofMillis(1001));

        assertThat(fired).containsExactly("1 s", "2 s " + Thread.currentThread().getName());
        assertThat(clock.pendingTimers()).isEqualTo(1);
    }

    @Test
    void a_cancelled_timer_is_no_longer_pending_and_never_fires() {
        ManualClock clock = new ManualClock();
        CompletableFuture<Void> timer = clock.after(1000);
        timer.cancel(false);
        assertThat(clock.pendingTimers()).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(timer).isCancelled();
    }

    @Test
    void a_timer_of_no_delay_is_due_at_once() {
        assertThat(new ManualClock().after(0)).isCompleted();
    }
}
