/**
 * The live dashboard: a page under the management path showing every rate limiter, circuit breaker and load shedder,
 * fed by Server-Sent Events while someone watches.
 */
@NullMarked
package dev.limiter.boot.dashboard;

import org.jspecify.annotations.NullMarked;
