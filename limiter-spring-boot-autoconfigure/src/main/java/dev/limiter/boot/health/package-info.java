/**
 * Health of limiter's Redis store.
 */
@NullMarked
package dev.limiter.boot.health;

import org.jspecify.annotations.NullMarked;
