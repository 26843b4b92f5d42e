package dev.limiter.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One command of the README's curl walk-through: the request, how curl is asked to show the answer, and what the
 * answer must (and must not) contain. {@link #command()} is the command line exactly as {@code WALKTHROUGH.md} shows
 * it after {@code $ }; every expectation is a regular expression found both in the answer the test receives,
 * rendered as curl shows it, and in the output the walk-through prints under the command.
 */
final class WalkthroughStep {

	/** How curl shows the answer. */
	enum Kind {

		/** {@code curl -i}: status line, headers, blank line, body. */
		SHOW,

		/** {@code curl -s}: the body only. */
		BODY,

		/** A loop of {@code curl -s -o /dev/null -w '%{http_code} '}: the statuses, space-separated. */
		REPEAT,

		/** {@code curl -s ... &}, several times: requests left running in the background, nothing shown. */
		BACKGROUND,

		/** {@code curl -s -D - -o sample.bin -w ...}: the head, then status, size and time of the download. */
		DOWNLOAD

	}

	/** The host and port the walk-through addresses. */
	static final String HOST = "localhost:8080";

	private final Kind kind;

	private final String path;

	private String method = "GET";

	private final List<String> headers = new ArrayList<>();

	private String json;

	private int times = 1;

	private final List<Pattern> expected = new ArrayList<>();

	private final List<Pattern> absent = new ArrayList<>();

	private WalkthroughStep(Kind kind, String path) {
		this.kind = kind;
		this.path = path;
	}

	static WalkthroughStep show(String path) {
		return new WalkthroughStep(Kind.SHOW, path);
	}

	static WalkthroughStep body(String path) {
		return new WalkthroughStep(Kind.BODY, path);
	}

	static WalkthroughStep repeat(int times, String path) {
		WalkthroughStep step = new WalkthroughStep(Kind.REPEAT, path);
		step.times = times;
		return step;
	}

	static WalkthroughStep background(int times, String path) {
		WalkthroughStep step = new WalkthroughStep(Kind.BACKGROUND, path);
		step.times = times;
		return step;
	}

	static WalkthroughStep download(String path) {
		return new WalkthroughStep(Kind.DOWNLOAD, path);
	}

	WalkthroughStep post() {
		this.method = "POST";
		return this;
	}

	WalkthroughStep json(String json) {
		this.method = "POST";
		this.json = json;
		return this;
	}

	WalkthroughStep header(String name, String value) {
		this.headers.add(name);
		this.headers.add(value);
		return this;
	}

	/** The answer contains this text. */
	WalkthroughStep expect(String literal) {
		this.expected.add(Pattern.compile(Pattern.quote(literal)));
		return this;
	}

	/** The answer contains a match of this regular expression (for values that depend on the time). */
	WalkthroughStep expectMatching(String regex) {
		this.expected.add(Pattern.compile(regex));
		return this;
	}

	/** The answer has no match of this regular expression. */
	WalkthroughStep expectAbsent(String regex) {
		this.absent.add(Pattern.compile(regex));
		return this;
	}

	Kind kind() {
		return this.kind;
	}

	String method() {
		return this.method;
	}

	String path() {
		return this.path;
	}

	String json() {
		return this.json;
	}

	String[] headers() {
		List<String> all = new ArrayList<>(this.headers);
		if (this.json != null) {
			all.add("Content-Type");
			all.add("application/json");
		}
		return all.toArray(String[]::new);
	}

	int times() {
		return this.times;
	}

	/**
	 * Returns what is wrong with an answer, or with the walk-through's output under this command.
	 * @param output the answer as curl shows it
	 * @return one line per missing or unexpected match; empty when all is well
	 */
	List<String> check(String output) {
		List<String> problems = new ArrayList<>();
		for (Pattern pattern : this.expected) {
			if (!pattern.matcher(output).find()) {
				problems.add("missing /" + pattern + "/");
			}
		}
		for (Pattern pattern : this.absent) {
			if (pattern.matcher(output).find()) {
				problems.add("unexpected /" + pattern + "/");
			}
		}
		return problems;
	}

	/**
	 * Returns the command line as the walk-through shows it, without the prompt.
	 * @return the command
	 */
	String command() {
		String url = HOST + this.path;
		if (url.contains("?") || url.contains("&")) {
			url = "'" + url + "'";
		}
		StringBuilder options = new StringBuilder();
		if (this.json != null) {
			options.append(" -X POST -H 'Content-Type: application/json' -d '").append(this.json).append("'");
		}
		else if (!this.method.equals("GET")) {
			options.append(" -X ").append(this.method);
		}
		for (int i = 0; i + 1 < this.headers.size(); i += 2) {
			options.append(" -H '").append(this.headers.get(i)).append(": ").append(this.headers.get(i + 1));
			options.append("'");
		}
		return switch (this.kind) {
			case SHOW -> "curl -i" + options + " " + url;
			case BODY -> "curl -s" + options + " " + url;
			case REPEAT -> "for i in $(seq " + this.times + "); do curl -s -o /dev/null -w '%{http_code} '" + options
					+ " " + url + "; done; echo";
			case BACKGROUND -> ("curl -s" + options + " " + url + " & ").repeat(this.times).strip();
			case DOWNLOAD -> "curl -s" + options + " -D - -o sample.bin -w '%{http_code} %{size_download} bytes in "
					+ "%{time_total}s\\n' " + url;
		};
	}

	@Override
	public String toString() {
		return "$ " + command();
	}

}
