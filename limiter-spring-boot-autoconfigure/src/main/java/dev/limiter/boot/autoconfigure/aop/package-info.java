/**
 * Auto-configuration of the limiter annotations' aspect.
 */
@NullMarked
package dev.limiter.boot.autoconfigure.aop;

import org.jspecify.annotations.NullMarked;
