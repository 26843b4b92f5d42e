/**
 * Ahead-of-time support: runtime hints for the Redis store's Lua scripts and for the reflection behind the limiter
 * annotations (annotated methods and their fallbacks), so that an application processed with
 * {@code spring-boot:process-aot} (and a native image built from it) works as on the JVM.
 */
@NullMarked
package dev.limiter.boot.autoconfigure.aot;

import org.jspecify.annotations.NullMarked;
