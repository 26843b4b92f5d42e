/**
 * Load shedding: the CPU-adaptive shedder ({@code AdaptiveShedder}), its CPU sampler ({@code CpuUsage}) and a hard
 * concurrency cap ({@code ConcurrencyLimiter}).
 */
package dev.limiter.core.shedding;
