package dev.limiter.core.redis.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private Redis Cluster of three masters and no replicas on free loopback ports, set up from Java (slots assigned
 * with {@code CLUSTER ADDSLOTSRANGE}, nodes joined with {@code CLUSTER MEET}), so it needs no {@code redis-cli}: slots
 * 0–5460, 5461–10922 and 10923–16383 go to the first, second and third node. {@link #start()} returns once every node
 * reports {@code cluster_state:ok} and knows the other two. Not thread-safe.
 */
public final class RedisClusterProcess implements AutoCloseable {

	private static final int[][] SLOT_RANGES = { { 0, 5460 }, { 5461, 10922 }, { 10923, 16383 } };

	private final List<RedisServerProcess> nodes;

	private RedisClusterProcess(List<RedisServerProcess> nodes) {
		this.nodes = nodes;
	}

	/**
	 * Starts three cluster-enabled servers, joins them into one cluster and waits until it is usable.
	 * @return the running cluster
	 */
	public static RedisClusterProcess start() {
		List<RedisServerProcess> nodes = new ArrayList<>();
		RedisClusterProcess cluster = new RedisClusterProcess(nodes);
		try {
			for (int i = 0; i < SLOT_RANGES.length; i++) {
				nodes.add(RedisServerProcess.start(RedisServerProcess.freePort(true), "--cluster-enabled", "yes",
						"--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"));
			}
			for (int i = 0; i < nodes.size(); i++) {
				try (RespConnection connection = nodes.get(i).connect()) {
					connection.command("CLUSTER", "SET-CONFIG-EPOCH", i + 1);
					connection.command("CLUSTER", "ADDSLOTSRANGE", SLOT_RANGES[i][0], SLOT_RANGES[i][1]);
				}
			}
			try (RespConnection connection = nodes.get(0).connect()) {
				for (int i = 1; i < nodes.size(); i++) {
					connection.command("CLUSTER", "MEET", RedisServerProcess.HOST, nodes.get(i).port());
				}
			}
			cluster.awaitOk();
			return cluster;
		}
		catch (RuntimeException ex) {
			cluster.close();
			throw ex;
		}
	}

	private void awaitOk() {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
		while (!isOk()) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("Redis Cluster " + addresses() + " did not reach cluster_state:ok");
			}
			RedisServerProcess.sleepMillis(50);
		}
	}

	private boolean isOk() {
		for (RedisServerProcess node : this.nodes) {
			String info = (String) node.command("CLUSTER", "INFO");
			if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:" + this.nodes.size())) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Returns the master nodes, in slot order.
	 * @return the nodes
	 */
	public List<RedisServerProcess> nodes() {
		return List.copyOf(this.nodes);
	}

	/**
	 * Returns the nodes' {@code host:port} addresses, as {@code spring.data.redis.cluster.nodes} takes them.
	 * @return the addresses
	 */
	public List<String> addresses() {
		return this.nodes.stream().map(RedisServerProcess::address).toList();
	}

	/**
	 * Returns how many times the given command ran, summed over all nodes (from {@code INFO commandstats}).
	 * @param command the command, such as {@code "evalsha"}
	 * @return the number of calls
	 */
	public long commandCalls(String command) {
		return this.nodes.stream().mapToLong((node) -> node.commandCalls(command)).sum();
	}

	/** Deletes every key on every node. */
	public void flushAll() {
		this.nodes.forEach((node) -> node.command("FLUSHALL"));
	}

	/** Kills every node and deletes their directories. */
	@Override
	public void close() {
		this.nodes.forEach(RedisServerProcess::close);
	}

	@Override
	public String toString() {
		return "Redis Cluster " + addresses();
	}

}
