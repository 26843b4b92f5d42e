/**
 * Time-bucketed rolling windows used by breakers and shedders.
 */
package dev.limiter.core.window;
