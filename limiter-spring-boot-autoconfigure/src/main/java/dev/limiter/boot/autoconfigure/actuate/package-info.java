/**
 * Auto-configuration of limiter's actuator endpoint and health indicator.
 */
@NullMarked
package dev.limiter.boot.autoconfigure.actuate;

import org.jspecify.annotations.NullMarked;
