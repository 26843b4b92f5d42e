/**
 * Reactor helpers shared by the WebFlux filters and the annotations on {@code Mono}/{@code Flux} methods; loaded only
 * where Reactor is on the class path.
 */
@NullMarked
package dev.limiter.boot.reactor;

import org.jspecify.annotations.NullMarked;
