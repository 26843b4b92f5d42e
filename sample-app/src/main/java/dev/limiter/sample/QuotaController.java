package dev.limiter.sample;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An endpoint under a daily quota per API key: the web rule on {@code /quota/**} counts requests under the
 * {@code X-Api-Key} header in the {@code daily-quota} fixed window, aligned to midnight UTC.
 */
@RestController
class QuotaController {

	@GetMapping(path = "/quota/ping", produces = "text/plain")
	String ping() {
		return "pong\n";
	}

}
