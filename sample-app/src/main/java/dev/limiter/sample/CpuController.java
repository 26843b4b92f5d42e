package dev.limiter.sample;

import java.util.concurrent.TimeUnit;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A CPU-heavy endpoint guarded by the adaptive {@code cpu} load shedder: {@code GET /cpu?work=50} keeps a core busy
 * for about 50 ms. Under enough concurrent load the process's CPU passes the shedder's threshold and requests
 * beyond what it has shown it can handle are refused with a 503 before any work is done.
 */
@RestController
class CpuController {

	/** The most CPU time one request may ask for. */
	static final int MAX_WORK_MILLIS = 1000;

	@GetMapping(path = "/cpu", produces = "text/plain")
	ResponseEntity<String> cpu(@RequestParam(defaultValue = "50") int work) {
		if (work < 0 || work > MAX_WORK_MILLIS) {
			return ResponseEntity.badRequest()
				.body("work must be between 0 and " + MAX_WORK_MILLIS + " ms (was " + work + ")\n");
		}
		long checksum = burn(TimeUnit.MILLISECONDS.toNanos(work));
		return ResponseEntity.ok("worked " + work + " ms (checksum " + Long.toHexString(checksum) + ")\n");
	}

	/** Spins on arithmetic until the given CPU time has passed; returns a value so the loop is not optimised away. */
	private static long burn(long nanos) {
		long deadline = System.nanoTime() + nanos;
		long value = 0x9E3779B97F4A7C15L;
		do {
			for (int i = 0; i < 1000; i++) {
				value ^= value << 13;
				value ^= value >>> 7;
				value ^= value << 17;
			}
		}
		while (System.nanoTime() < deadline);
		return value;
	}

}
