/**
 * WebFlux filters applying the rate limiters, circuit breakers and load shedders of {@code limiter.web.rules} to
 * requests, with the same order, answers, headers and bodies as the servlet filters of
 * {@link dev.limiter.boot.web}, and the answer to the limiter exceptions of annotated methods. Needs no servlet API.
 */
@NullMarked
package dev.limiter.boot.web.reactive;

import org.jspecify.annotations.NullMarked;
