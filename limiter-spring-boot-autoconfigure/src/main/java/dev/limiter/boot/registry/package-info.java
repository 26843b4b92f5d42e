/**
 * Registries of the configured rate limiters, circuit breakers and load shedders, by name.
 */
@NullMarked
package dev.limiter.boot.registry;

import org.jspecify.annotations.NullMarked;
