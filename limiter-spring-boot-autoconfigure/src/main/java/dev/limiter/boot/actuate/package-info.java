/**
 * The {@code limiter} actuator endpoint.
 */
@NullMarked
package dev.limiter.boot.actuate;

import org.jspecify.annotations.NullMarked;
