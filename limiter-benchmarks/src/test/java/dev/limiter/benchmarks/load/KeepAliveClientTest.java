package dev.limiter.benchmarks.load;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class KeepAliveClientTest {

	private static long in(long seconds) {
		return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
	}

	@Test
	void readsFixedLengthChunkedAndEmptyBodiesOffOneKeptAliveConnection() throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		Set<InetSocketAddress> clientPorts = ConcurrentHashMap.newKeySet();
		server.createContext("/", (exchange) -> {
			clientPorts.add(exchange.getRemoteAddress());
			byte[] body = "hello, world".getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(503, body.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(body);
			}
		});
		server.start();
		try (KeepAliveClient client = new KeepAliveClient(
				URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/pool"))) {
			for (int i = 0; i < 5; i++) {
				assertThat(client.get(in(10))).isEqualTo(503);
			}
			assertThat(clientPorts).as("one connection, kept alive").hasSize(1);
		}
		finally {
			server.stop(0);
		}
		server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		server.createContext("/", (exchange) -> {
			byte[] body = "hello, world".getBytes(StandardCharsets.UTF_8);
			if ("chunked".equals(exchange.getRequestURI().getQuery())) {
				exchange.sendResponseHeaders(200, 0);
				try (OutputStream out = exchange.getResponseBody()) {
					out.write(body);
					out.flush();
					out.write(body);
				}
			}
			else {
				exchange.sendResponseHeaders(429, -1);
				exchange.close();
			}
		});
		server.start();
		String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/pool?";
		try (KeepAliveClient chunked = new KeepAliveClient(URI.create(base + "chunked"));
				KeepAliveClient empty = new KeepAliveClient(URI.create(base + "empty"))) {
			for (int i = 0; i < 5; i++) {
				assertThat(chunked.get(in(10))).isEqualTo(200);
				assertThat(empty.get(in(10))).isEqualTo(429);
			}
		}
		finally {
			server.stop(0);
		}
	}

	@Test
	void givesUpAtTheDeadline() throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		server.createContext("/", (exchange) -> {
			// never answers
		});
		server.start();
		try (KeepAliveClient client = new KeepAliveClient(
				URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/pool"))) {
			assertThatExceptionOfType(SocketTimeoutException.class)
				.isThrownBy(() -> client.get(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100)));
			assertThatExceptionOfType(SocketTimeoutException.class)
				.isThrownBy(() -> client.get(System.nanoTime() - 1));
		}
		finally {
			server.stop(0);
		}
	}

}
