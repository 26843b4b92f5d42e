/**
 * Annotations protecting Spring bean methods with limiter's rate limiters, circuit breakers and load shedders.
 * They use no Spring types.
 */
package dev.limiter.annotation;
