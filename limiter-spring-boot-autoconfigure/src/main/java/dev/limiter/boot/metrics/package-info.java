/**
 * Micrometer meters of limiter, and the listener the filters and the aspect report calls to.
 */
@NullMarked
package dev.limiter.boot.metrics;

import org.jspecify.annotations.NullMarked;
