package dev.limiter.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads the imports of this module's main sources and checks that the packages do not depend on each other in a
 * cycle (a cheap stand-in for an architecture test).
 */
class PackageCycleTests {

	private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);

	private static final Pattern IMPORT = Pattern.compile("^import (dev\\.limiter(?:\\.[a-z]\\w*)+)\\.[A-Z][\\w.]*;",
			Pattern.MULTILINE);

	@Test
	void packagesHaveNoCycles() throws IOException {
		Map<String, Set<String>> dependencies = dependencies(Path.of("src/main/java"));
		assertThat(dependencies).containsKeys("dev.limiter.boot.registry", "dev.limiter.boot.aop",
				"dev.limiter.boot.autoconfigure");
		List<String> cycles = new ArrayList<>();
		for (String start : dependencies.keySet()) {
			findCycle(start, start, dependencies, new ArrayList<>(List.of(start)), cycles);
		}
		assertThat(cycles).isEmpty();
	}

	@Test
	void lowerPackagesDoNotImportAutoConfiguration() throws IOException {
		Map<String, Set<String>> dependencies = dependencies(Path.of("src/main/java"));
		dependencies.forEach((from, to) -> {
			if (!from.startsWith("dev.limiter.boot.autoconfigure")) {
				assertThat(to).as(from).noneMatch((target) -> target.startsWith("dev.limiter.boot.autoconfigure"));
			}
		});
	}

	private static void findCycle(String start, String current, Map<String, Set<String>> dependencies,
			List<String> path, List<String> cycles) {
		for (String next : dependencies.getOrDefault(current, Set.of())) {
			if (next.equals(start)) {
				cycles.add(String.join(" -> ", path) + " -> " + start);
			}
			else if (!path.contains(next) && next.compareTo(start) > 0) {
				path.add(next);
				findCycle(start, next, dependencies, path, cycles);
				path.remove(path.size() - 1);
			}
		}
	}

	private static Map<String, Set<String>> dependencies(Path root) throws IOException {
		Map<String, Set<String>> dependencies = new TreeMap<>();
		try (Stream<Path> files = Files.walk(root)) {
			for (Path file : files.filter((path) -> path.toString().endsWith(".java")).toList()) {
				String source = Files.readString(file);
				Matcher packageName = PACKAGE.matcher(source);
				if (!packageName.find()) {
					continue;
				}
				Set<String> imports = dependencies.computeIfAbsent(packageName.group(1), (key) -> new TreeSet<>());
				Matcher imported = IMPORT.matcher(source);
				while (imported.find()) {
					if (!imported.group(1).equals(packageName.group(1))) {
						imports.add(imported.group(1));
					}
				}
			}
		}
		return dependencies;
	}

}
