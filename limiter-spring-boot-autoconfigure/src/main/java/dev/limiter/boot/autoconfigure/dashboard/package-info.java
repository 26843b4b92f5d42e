/**
 * Auto-configuration of the live dashboard.
 */
@NullMarked
package dev.limiter.boot.autoconfigure.dashboard;

import org.jspecify.annotations.NullMarked;
