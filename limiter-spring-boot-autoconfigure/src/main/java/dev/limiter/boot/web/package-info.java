/**
 * Servlet filters applying rate limiters, circuit breakers and load shedders to requests by rule, and the answers
 * they write; the rules, keys, headers, problem bodies and outcomes here are shared with the WebFlux filters of
 * {@code dev.limiter.boot.web.reactive}, and the classes those use load without the servlet API.
 */
@NullMarked
package dev.limiter.boot.web;

import org.jspecify.annotations.NullMarked;
