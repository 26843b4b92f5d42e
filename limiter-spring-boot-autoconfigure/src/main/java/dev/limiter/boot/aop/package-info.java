/**
 * The aspect applying {@code @RateLimited}, {@code @CircuitBreaker} and {@code @LoadShed} to Spring bean methods,
 * and the start-up check of those annotations.
 */
@NullMarked
package dev.limiter.boot.aop;

import org.jspecify.annotations.NullMarked;
