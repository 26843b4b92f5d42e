package dev.limiter.boot.autoconfigure;

import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Checks the generated {@code spring-configuration-metadata.json}: every property is there, with a description. */
class ConfigurationMetadataTests {

	@Test
	void everyPropertyHasADescription() throws Exception {
		List<Map<String, Object>> properties = properties();
		assertThat(properties).isNotEmpty().allSatisfy((property) -> assertThat(property.get("description"))
			.as(property.get("name").toString())
			.asString()
			.isNotBlank()
			.doesNotStartWith("The ")
			.doesNotStartWith("A ")
			.endsWith("."));
	}

	@Test
	void everyFieldOfTheNestedGroupsIsListed() throws Exception {
		Set<String> names = properties().stream().map((p) -> p.get("name").toString()).collect(Collectors.toSet());
		assertFields(names, "limiter.rate-limiters.*.", LimiterProperties.RateLimiter.class);
		assertFields(names, "limiter.circuit-breakers.*.", LimiterProperties.CircuitBreaker.class);
		assertFields(names, "limiter.load-shedders.*.", LimiterProperties.LoadShedder.class);
		assertFields(names, "limiter.web.rules[*].", LimiterProperties.Rule.class);
		assertFields(names, "limiter.redis.", LimiterProperties.Redis.class);
		assertFields(names, "limiter.memory.", LimiterProperties.Memory.class);
		assertThat(names).contains("limiter.store", "limiter.web.headers", "limiter.web.trusted-proxies",
				"limiter.web.rules", "limiter.rate-limiters", "limiter.circuit-breakers", "limiter.load-shedders");
	}

	@Test
	void rulePriorityIsDescribedWithItsTypeAndDefault() throws Exception {
		try (InputStream in = metadata()) {
			List<Map<String, Object>> priority = JsonPath.read(in,
					"$.properties[?(@.name == 'limiter.web.rules[*].priority')]");
			assertThat(priority).singleElement().satisfies((property) -> {
				assertThat(property).containsEntry("type", "dev.limiter.core.shedding.Priority")
					.containsEntry("defaultValue", "critical");
				assertThat(property.get("description")).asString().contains("sheddable");
			});
		}
	}

	@Test
	void keyHasValueHints() throws Exception {
		try (InputStream in = metadata()) {
			List<String> values = JsonPath.read(in, "$.hints[?(@.name == 'limiter.web.rules[*].key')].values[*].value");
			assertThat(values).containsExactly("ip", "header:", "principal", "path");
		}
	}

	private static void assertFields(Set<String> names, String prefix, Class<?> type) {
		List<String> expected = new ArrayList<>();
		for (Field field : type.getDeclaredFields()) {
			if (!Modifier.isStatic(field.getModifiers())) {
				expected.add(prefix + field.getName().replaceAll("([A-Z])", "-$1").toLowerCase());
			}
		}
		assertThat(names).containsAll(expected);
	}

	private static List<Map<String, Object>> properties() throws Exception {
		try (InputStream in = metadata()) {
			return JsonPath.read(in, "$.properties[*]");
		}
	}

	private static InputStream metadata() {
		InputStream in = ConfigurationMetadataTests.class
			.getResourceAsStream("/META-INF/spring-configuration-metadata.json");
		assertThat(in).as("generated metadata").isNotNull();
		return in;
	}

}
