package dev.limiter.sample;

import dev.limiter.annotation.RateLimited;

import org.springframework.stereotype.Service;

/**
 * Greets users; each user gets at most 3 greetings per 30 seconds through {@link RateLimited @RateLimited} with a
 * SpEL key over the method's argument. A refused call throws
 * {@link dev.limiter.annotation.RateLimitExceededException}, which Spring MVC answers with a 429.
 */
@Service
public class GreetingService {

	/**
	 * Greets a user.
	 * @param user the user's name, also the rate-limit key
	 * @return the greeting
	 */
	@RateLimited(name = "greetings", key = "#user")
	public String greet(String user) {
		return "hello, " + user + "\n";
	}

}
