/**
 * Auto-configuration of limiter for servlet web applications.
 */
@NullMarked
package dev.limiter.boot.autoconfigure.web;

import org.jspecify.annotations.NullMarked;
