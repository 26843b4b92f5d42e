package dev.limiter.boot.autoconfigure.metrics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.limiter.boot.autoconfigure.LimiterAutoConfiguration;
import dev.limiter.boot.autoconfigure.redis.LimiterRedisAutoConfiguration;
import dev.limiter.boot.autoconfigure.web.LimiterWebAutoConfiguration;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docs/grafana/limiter.json} queries only metrics the starter registers, under their Prometheus names, and
 * filters them only by labels those metrics have (or Prometheus adds).
 */
class GrafanaDashboardTests {

	private static final Path DASHBOARD = Path.of("..", "docs", "grafana", "limiter.json");

	private static final Pattern SERIES = Pattern.compile("\\b(limiter_[a-z_]+)(\\{([^}]*)\\})?");

	private static final Pattern LABEL = Pattern.compile("([a-z_]+)\\s*(=~|!~|!=|=)");

	private static final Set<String> PROMETHEUS_LABELS = Set.of("instance", "job");

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class, LimiterRedisAutoConfiguration.class,
				LimiterWebAutoConfiguration.class, LimiterMetricsAutoConfiguration.class))
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("limiter.rate-limiters.api.limit=10", "limiter.circuit-breakers.sre.type=adaptive",
				"limiter.circuit-breakers.threshold.type=threshold", "limiter.load-shedders.cpu.cpu-threshold=0.9",
				"limiter.load-shedders.capped.max-concurrency=4",
				"limiter.load-shedders.learnt.type=adaptive-concurrency");

	@Test
	void everyQueriedMetricIsRegisteredWithTheLabelsItIsFilteredBy() throws Exception {
		List<String> expressions = expressions(JsonMapper.builder().build().readTree(Files.readString(DASHBOARD)));
		assertThat(expressions).hasSizeGreaterThan(10);
		this.runner.run((context) -> {
			Map<String, Set<String>> registered = prometheusNames(context.getBean(MeterRegistry.class));
			Set<String> queried = new HashSet<>();
			for (String expression : expressions) {
				Matcher series = SERIES.matcher(expression);
				while (series.find()) {
					String name = series.group(1);
					queried.add(name);
					assertThat(registered).as(expression).containsKey(name);
					if (series.group(3) != null) {
						Matcher label = LABEL.matcher(series.group(3));
						while (label.find()) {
							if (!PROMETHEUS_LABELS.contains(label.group(1))) {
								assertThat(registered.get(name)).as(name + " in " + expression)
										.contains(label.group(1));
							}
						}
					}
				}
			}
			assertThat(queried).as("the panels cover every kind").contains("limiter_calls_total",
					"limiter_breaker_state", "limiter_shedder_limit", "limiter_shedder_cpu",
					"limiter_redis_decisions_seconds_count");
		});
	}

	private static List<String> expressions(JsonNode dashboard) {
		List<String> expressions = new ArrayList<>();
		for (JsonNode panel : dashboard.get("panels")) {
			JsonNode targets = panel.get("targets");
			if (targets != null) {
				targets.forEach((target) -> expressions.add(target.get("expr").asString()));
			}
		}
		for (JsonNode variable : dashboard.get("templating").get("list")) {
			expressions.add(variable.get("query").asString());
		}
		return expressions;
	}

	/** The names Prometheus gives the registered meters, each with its tag keys. */
	private static Map<String, Set<String>> prometheusNames(MeterRegistry registry) {
		Map<String, Set<String>> names = new HashMap<>();
		for (Meter meter : registry.getMeters()) {
			String base = meter.getId().getName().replace('.', '_');
			Set<String> tags = new HashSet<>();
			for (Tag tag : meter.getId().getTags()) {
				tags.add(tag.getKey());
			}
			List<String> series = new ArrayList<>();
			if (meter instanceof Counter) {
				series.add(base + "_total");
			}
			else if (meter instanceof Timer) {
				series.addAll(List.of(base + "_seconds_count", base + "_seconds_sum", base + "_seconds_max"));
			}
			else if (meter instanceof Gauge) {
				series.add(base);
			}
			series.forEach((name) -> names.computeIfAbsent(name, (key) -> new HashSet<>()).addAll(tags));
		}
		return names;
	}

}
