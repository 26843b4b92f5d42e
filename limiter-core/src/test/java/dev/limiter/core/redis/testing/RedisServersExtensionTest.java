package dev.limiter.core.redis.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

@RedisServerTest
class RedisServersExtensionTest {

	@Test
	void standaloneServerAnswersOnAPrivatePort(RedisServerProcess server) {
		assertThat(server.port()).isNotEqualTo(6379);
		assertThat(server.command("PING")).isEqualTo("PONG");
		assertThat(server.command("SET", "k", "v")).isEqualTo("OK");
		assertThat(server.command("GET", "k")).isEqualTo("v");
	}

	@Test
	void serverIsSharedWithinTheClass(RedisServerProcess first, RedisServerProcess second) {
		assertThat(first).isSameAs(second);
	}

	@Test
	void killedServerRestartsEmptyOnTheSamePort(RedisServerProcess server) {
		int port = server.port();
		server.command("SET", "before", "1");
		server.kill();
		assertThat(server.isRunning()).isFalse();
		assertThatExceptionOfType(RuntimeException.class).isThrownBy(() -> server.command("PING"));
		server.restart();
		assertThat(server.port()).isEqualTo(port);
		assertThat(server.command("GET", "before")).isNull();
	}

	@Test
	void clusterHasThreeMastersCoveringAllSlots(RedisClusterProcess cluster) {
		assertThat(cluster.nodes()).hasSize(3);
		for (RedisServerProcess node : cluster.nodes()) {
			String info = (String) node.command("CLUSTER", "INFO");
			assertThat(info).contains("cluster_state:ok", "cluster_slots_assigned:16384", "cluster_known_nodes:3");
		}
		List<?> slots = (List<?>) cluster.nodes().get(0).command("CLUSTER", "SLOTS");
		assertThat(slots).hasSize(3);
	}

	@Test
	void commandStatsCountCalls(RedisServerProcess server) {
		server.command("CONFIG", "RESETSTAT");
		server.command("ECHO", "a");
		server.command("ECHO", "b");
		assertThat(server.commandCalls("echo")).isEqualTo(2);
	}

	@Test
	void embeddedBinaryIsARunnableRedis7() throws IOException, InterruptedException {
		Path binary = RedisBinary.extractEmbedded();
		Process process = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
		assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
		String version = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(version).startsWith("Redis server v=7.");
		binary.toFile().delete();
	}

}
