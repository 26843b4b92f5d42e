package dev.limiter.sample;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the simulated database behind {@code GET /pool} ({@code sample.pool.*}): a pool of a few connections,
 * each held for a fixed time per query. Its capacity is {@code size / hold-time} queries per second (100 per second
 * for 4 connections held 40 ms).
 */
@ConfigurationProperties("sample.pool")
public class PoolProperties {

	/**
	 * Number of connections in the pool.
	 */
	private int size = 4;

	/**
	 * Time one query holds its connection.
	 */
	private Duration holdTime = Duration.ofMillis(40);

	/**
	 * Longest a request waits for a free connection before failing, as HikariCP's connection timeout.
	 */
	private Duration maxWait = Duration.ofSeconds(30);

	public int getSize() {
		return this.size;
	}

	public void setSize(int size) {
		this.size = size;
	}

	public Duration getHoldTime() {
		return this.holdTime;
	}

	public void setHoldTime(Duration holdTime) {
		this.holdTime = holdTime;
	}

	public Duration getMaxWait() {
		return this.maxWait;
	}

	public void setMaxWait(Duration maxWait) {
		this.maxWait = maxWait;
	}

}
