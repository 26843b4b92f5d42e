/**
 * Time and outcome abstractions shared by every limiter, breaker and shedder.
 */
package dev.limiter.core;
