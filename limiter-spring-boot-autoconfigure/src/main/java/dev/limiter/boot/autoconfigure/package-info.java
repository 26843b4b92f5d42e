/**
 * Auto-configuration of limiter: properties, their validation and the registries of configured instances.
 */
@NullMarked
package dev.limiter.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
