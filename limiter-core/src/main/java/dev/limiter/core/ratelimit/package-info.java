/**
 * Rate limiters: in-process single-bucket primitives ({@code TokenBucket}, {@code LeakyBucket},
 * {@code QuantumBucket}) and keyed limits over a store ({@link dev.limiter.core.ratelimit.RateLimiter}).
 */
package dev.limiter.core.ratelimit;
