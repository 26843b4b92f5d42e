package dev.limiter.sample;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the bandwidth-throttled download ({@code sample.download.*}).
 */
@ConfigurationProperties("sample.download")
public class DownloadProperties {

	/**
	 * Bytes per second each download is sent at.
	 */
	private long bytesPerSecond = 32 * 1024;

	/**
	 * Bytes a download may send at once before throttling starts (the token bucket's capacity).
	 */
	private long burstBytes = 8 * 1024;

	/**
	 * Largest download a request may ask for.
	 */
	private long maximumBytes = 10 * 1024 * 1024;

	public long getBytesPerSecond() {
		return this.bytesPerSecond;
	}

	public void setBytesPerSecond(long bytesPerSecond) {
		this.bytesPerSecond = bytesPerSecond;
	}

	public long getBurstBytes() {
		return this.burstBytes;
	}

	public void setBurstBytes(long burstBytes) {
		this.burstBytes = burstBytes;
	}

	public long getMaximumBytes() {
		return this.maximumBytes;
	}

	public void setMaximumBytes(long maximumBytes) {
		this.maximumBytes = maximumBytes;
	}

}
