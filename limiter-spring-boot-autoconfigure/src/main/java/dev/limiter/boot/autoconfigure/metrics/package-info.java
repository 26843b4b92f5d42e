/**
 * Auto-configuration of limiter's Micrometer meters.
 */
@NullMarked
package dev.limiter.boot.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
