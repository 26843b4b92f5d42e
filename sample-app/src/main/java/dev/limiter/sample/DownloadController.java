package dev.limiter.sample;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

import dev.limiter.core.bucket.QuantumBucket;
import dev.limiter.core.bucket.ThrottledOutputStream;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * A bandwidth-throttled download: {@code GET /download?bytes=N} sends N bytes through a {@link ThrottledOutputStream}
 * whose {@link QuantumBucket} (one per download) lets {@code sample.download.bytes-per-second} through after an
 * initial {@code burst-bytes}. The rate is announced in the {@code X-Throttle-Bytes-Per-Second} header.
 */
@RestController
class DownloadController {

	/** The header announcing the download's rate. */
	static final String RATE_HEADER = "X-Throttle-Bytes-Per-Second";

	private static final int CHUNK = 4096;

	private final DownloadProperties properties;

	DownloadController(DownloadProperties properties) {
		this.properties = properties;
	}

	@GetMapping("/download")
	void download(@RequestParam(defaultValue = "65536") long bytes, HttpServletResponse response) throws IOException {
		if (bytes < 0 || bytes > this.properties.getMaximumBytes()) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
					"bytes must be between 0 and " + this.properties.getMaximumBytes() + " (was " + bytes + ")");
		}
		QuantumBucket bucket = QuantumBucket.withRate(this.properties.getBytesPerSecond(),
				this.properties.getBurstBytes());
		response.setContentType("application/octet-stream");
		response.setContentLengthLong(bytes);
		response.setHeader("Content-Disposition", "attachment; filename=\"sample-" + bytes + ".bin\"");
		response.setHeader(RATE_HEADER, Long.toString(this.properties.getBytesPerSecond()));
		byte[] chunk = new byte[CHUNK];
		Arrays.fill(chunk, (byte) 'x');
		OutputStream out = new ThrottledOutputStream(response.getOutputStream(), bucket);
		long left = bytes;
		while (left > 0) {
			int length = (int) Math.min(CHUNK, left);
			out.write(chunk, 0, length);
			left -= length;
		}
		out.flush();
	}

}
