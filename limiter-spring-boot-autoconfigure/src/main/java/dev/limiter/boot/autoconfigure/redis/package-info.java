/**
 * Auto-configuration of limiter's Redis store.
 */
@NullMarked
package dev.limiter.boot.autoconfigure.redis;

import org.jspecify.annotations.NullMarked;
