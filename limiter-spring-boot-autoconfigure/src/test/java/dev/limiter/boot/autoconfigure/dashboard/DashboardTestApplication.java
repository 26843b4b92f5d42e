package dev.limiter.boot.autoconfigure.dashboard;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An application with one rate limiter ({@code api}, on {@code /api/**}), one threshold breaker ({@code backend})
 * and one load shedder ({@code default}), for the dashboard's tests, which configure them; without Spring Security.
 */
@SpringBootConfiguration
@EnableAutoConfiguration(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
		"org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
		"org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
		"org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
		"org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration" })
@Import(DashboardTestApplication.HelloController.class)
public class DashboardTestApplication {

	@RestController
	static class HelloController {

		@GetMapping("/api/hello")
		String hello() {
			return "hello";
		}

	}

}
