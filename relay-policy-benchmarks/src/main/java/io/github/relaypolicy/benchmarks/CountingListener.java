package io.github.relaypolicy.benchmarks;

import io.github.relaypolicy.core.EngineListener;
import java.util.concurrent.atomic.LongAdder;

/**
 * An {@link EngineListener} that counts what it is told, as a metrics registry's counters would: what the
 * benchmarks' {@code listener=counting} registers, to show what a listener adds to a decision.
 */
final class CountingListener implements EngineListener {

    private final LongAdder queries = new LongAdder();
    private final LongAdder queryNanos = new LongAdder();
    private final LongAdder answerHits = new LongAdder();
    private final LongAdder answerMisses = new LongAdder();
    private final LongAdder memoHits = new LongAdder();
    private final LongAdder memoMisses = new LongAdder();

    /**
     * The listener a benchmark's {@code listener} parameter names.
     *
     * @param name {@code none} or {@code counting}
     * @return {@link EngineListener#NONE} or a new counting listener
     */
    static EngineListener named(String name) {
        switch (name) {
            case "none":
                return EngineListener.NONE;
            case "counting":
                return new CountingListener();
            default:
                throw new IllegalArgumentException("listener '" + name + "' is unknown: none or counting");
        }
    }

    @Override
    public void dnsQuery(String list, QueryOutcome outcome, long nanos) {
        queries.increment();
        queryNanos.add(nanos);
    }

    @Override
    public void dnsAnswerCache(boolean hit) {
        (hit ? answerHits : answerMisses).increment();
    }

    @Override
    public void dnsOutcomeMemo(boolean hit) {
        (hit ? memoHits : memoMisses).increment();
    }

    @Override
    public String toString() {
        return "queries " + queries + ", answer cache " + answerHits + "/" + answerMisses + ", memo " + memoHits + "/"
                + memoMisses;
    }
}
