package dev.limiter.sample;

import java.util.concurrent.TimeUnit;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A slow endpoint under a concurrency cap: the {@code slow} load shedder lets at most 2 requests be in flight; a
 * third concurrent request is refused with a 503 at once.
 */
@RestController
class SlowController {

	/** The longest a request may ask to wait. */
	static final int MAX_MILLIS = 10_000;

	@GetMapping(path = "/slow", produces = "text/plain")
	ResponseEntity<String> slow(@RequestParam(defaultValue = "3000") int millis) throws InterruptedException {
		if (millis < 0 || millis > MAX_MILLIS) {
			return ResponseEntity.badRequest()
				.body("millis must be between 0 and " + MAX_MILLIS + " (was " + millis + ")\n");
		}
		TimeUnit.MILLISECONDS.sleep(millis);
		return ResponseEntity.ok("done after " + millis + " ms\n");
	}

}
