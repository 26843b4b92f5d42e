/**
 * Servlet filters applying rate limiters, circuit breakers and load shedders to requests by rule, and the answers
 * they write.
 */
@NullMarked
package dev.limiter.boot.web;

import org.jspecify.annotations.NullMarked;
