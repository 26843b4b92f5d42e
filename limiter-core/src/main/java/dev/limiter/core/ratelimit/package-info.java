/**
 * Keyed rate limits over a store: a {@link dev.limiter.core.ratelimit.RateLimiter} applies one
 * {@link dev.limiter.core.ratelimit.LimitSpec} (token bucket, fixed window or sliding window) to each key, keeping the
 * per-key state in a {@link dev.limiter.core.ratelimit.RateLimitStore} (in memory, or in Redis through
 * {@code dev.limiter.core.ratelimit.redis}). For a single in-process bucket, see {@code dev.limiter.core.bucket}.
 */
package dev.limiter.core.ratelimit;
