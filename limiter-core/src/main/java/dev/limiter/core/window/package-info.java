/**
 * Time-bucketed rolling windows: {@link dev.limiter.core.window.RollingWindow}, go-zero's
 * {@code collection.RollingWindow}, a ring of buckets over time whose sums cover the last {@code size × interval}.
 * The breakers and the shedder keep windows of their own, specialised for their hot paths (each says why).
 */
package dev.limiter.core.window;
