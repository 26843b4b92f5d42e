/**
 * Single-bucket, in-process rate limiters: one bucket per instance, no keys, no store.
 *
 * <p>A bucket holds up to a burst of permits and refills at a constant rate; a caller takes permits, waits for them,
 * or reserves them for later. {@link dev.limiter.core.bucket.TokenBucket} has the semantics of Go's
 * {@code x/time/rate.Limiter}, {@link dev.limiter.core.bucket.LeakyBucket} paces calls at even intervals (Uber's
 * {@code ratelimit}), and {@link dev.limiter.core.bucket.QuantumBucket} refills in whole quanta per tick (juju's
 * {@code ratelimit.Bucket}), which {@link dev.limiter.core.bucket.ThrottledInputStream} and
 * {@link dev.limiter.core.bucket.ThrottledOutputStream} use to cap bytes per second. Every bucket reads time from a
 * {@link dev.limiter.core.Clock}. For limits per key shared through a store, see {@code dev.limiter.core.ratelimit}.
 */
package dev.limiter.core.bucket;
