package dev.limiter.sample;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * Greets a user through the rate-limited {@link GreetingService}; no web rule applies here.
 */
@RestController
class GreetingController {

	private final GreetingService greetings;

	GreetingController(GreetingService greetings) {
		this.greetings = greetings;
	}

	@GetMapping(path = "/greet/{user}", produces = "text/plain")
	String greet(@PathVariable String user) {
		return this.greetings.greet(user);
	}

}
