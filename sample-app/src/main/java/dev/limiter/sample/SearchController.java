package dev.limiter.sample;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * An endpoint under a rate limiter in shadow mode: the {@code search} limiter (2 per minute per IP) decides and
 * counts every request (metric {@code limiter.calls}, outcome {@code shadow-rejected}) but refuses none and adds no
 * rate-limit headers.
 */
@RestController
class SearchController {

	@GetMapping(path = "/search", produces = "text/plain")
	String search(@RequestParam(defaultValue = "") String q) {
		return "no results for '" + q + "'\n";
	}

}
