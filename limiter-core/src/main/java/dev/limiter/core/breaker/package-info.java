/**
 * Circuit breakers: Google-SRE adaptive throttling ({@code SreBreaker}) and a classic threshold breaker
 * ({@code ThresholdBreaker}).
 */
package dev.limiter.core.breaker;
