/**
 * Load shedding: the CPU-adaptive shedder ({@code AdaptiveShedder}) and a hard concurrency cap
 * ({@code ConcurrencyLimiter}).
 */
package dev.limiter.core.shedding;
