package dev.limiter.sample;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Endpoints under {@code /api/**}, rate-limited per client IP by the web rule on the {@code api} token bucket
 * (5 requests, then one more every 2 seconds).
 */
@RestController
class ApiController {

	@GetMapping(path = "/api/hello", produces = "text/plain")
	String hello() {
		return "hello\n";
	}

}
