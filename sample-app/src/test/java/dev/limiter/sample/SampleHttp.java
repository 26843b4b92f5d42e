package dev.limiter.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A small HTTP/1.1 client for the sample app on a local port, rendering responses as {@code curl -i} shows them.
 */
final class SampleHttp {

	private final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(10))
		.build();

	private final String base;

	SampleHttp(int port) {
		this.base = "http://localhost:" + port;
	}

	HttpResponse<String> get(String path, String... headers) {
		return send("GET", path, null, headers);
	}

	HttpResponse<String> post(String path) {
		return send("POST", path, null);
	}

	HttpResponse<String> postJson(String path, String json) {
		return send("POST", path, json, "Content-Type", "application/json");
	}

	HttpResponse<String> send(String method, String path, String body, String... headers) {
		try {
			return this.client.send(request(method, path, body, headers), HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	HttpResponse<byte[]> getBytes(String path) {
		try {
			return this.client.send(request("GET", path, null), HttpResponse.BodyHandlers.ofByteArray());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	CompletableFuture<HttpResponse<String>> sendAsync(String method, String path, String body, String... headers) {
		return this.client.sendAsync(request(method, path, body, headers), HttpResponse.BodyHandlers.ofString());
	}

	private HttpRequest request(String method, String path, String body, String... headers) {
		HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(this.base + path))
			.timeout(Duration.ofSeconds(30))
			.method(method, (body != null) ? HttpRequest.BodyPublishers.ofString(body)
					: HttpRequest.BodyPublishers.noBody());
		for (int i = 0; i + 1 < headers.length; i += 2) {
			builder.header(headers[i], headers[i + 1]);
		}
		return builder.build();
	}

	/** The status line and headers of a response, one {@code Name: value} line each, as {@code curl -i} shows. */
	static String head(HttpResponse<?> response) {
		StringBuilder text = new StringBuilder("HTTP/1.1 ").append(response.statusCode()).append('\n');
		for (Map.Entry<String, List<String>> header : response.headers().map().entrySet()) {
			for (String value : header.getValue()) {
				text.append(headerName(header.getKey())).append(": ").append(value).append('\n');
			}
		}
		return text.toString();
	}

	/**
	 * Returns a header name as the server wrote it: the JDK client hands them over in lower case, so the usual
	 * capitalisation is restored ({@code ratelimit-policy} becomes {@code RateLimit-Policy}).
	 */
	static String headerName(String name) {
		StringBuilder canonical = new StringBuilder(name.length());
		for (String word : name.split("-", -1)) {
			if (!canonical.isEmpty()) {
				canonical.append('-');
			}
			String lower = word.toLowerCase(Locale.ROOT);
			if (lower.equals("ratelimit")) {
				canonical.append("RateLimit");
			}
			else if (!lower.isEmpty()) {
				canonical.append(Character.toUpperCase(lower.charAt(0))).append(lower, 1, lower.length());
			}
		}
		return canonical.toString();
	}

	/** A response as {@code curl -i} shows it: status line, headers, a blank line and the body. */
	static String render(HttpResponse<String> response) {
		return head(response) + '\n' + response.body();
	}

}
