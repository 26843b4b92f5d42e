/**
 * Auto-configuration of limiter for servlet and WebFlux web applications.
 */
@NullMarked
package dev.limiter.boot.autoconfigure.web;

import org.jspecify.annotations.NullMarked;
