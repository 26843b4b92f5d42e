package dev.limiter.boot.web;

/**
 * The RFC 9457 {@code application/problem+json} body of a refused request, the same on every web stack, with the
 * problem types of draft-ietf-httpapi-ratelimit-headers-11: {@code quota-exceeded} for a rate limit (429),
 * {@code temporary-reduced-capacity} for a shed request or an open breaker (503). Written by hand, so no JSON
 * library is needed. Stateless and thread-safe.
 *
 * @author limiter
 * @since 0.1.0
 */
public final class LimiterProblemDetails {

	/** The problem type of a refused rate limit (draft-ietf-httpapi-ratelimit-headers-11). */
	public static final String QUOTA_EXCEEDED = "https://iana.org/assignments/http-problem-types#quota-exceeded";

	/** The problem type of a shed request or an open breaker. */
	public static final String TEMPORARY_REDUCED_CAPACITY =
			"https://iana.org/assignments/http-problem-types#temporary-reduced-capacity";

	/** The media type of the body. */
	public static final String APPLICATION_PROBLEM_JSON = "application/problem+json";

	private LimiterProblemDetails() {
	}

	/**
	 * Returns the problem+json body of a refusal.
	 * @param rejection the refusal
	 * @param retryAfterSeconds its {@code Retry-After}, in whole seconds
	 * @return the JSON document
	 */
	public static String json(LimiterRejection rejection, long retryAfterSeconds) {
		String type;
		String title;
		String detail;
		String seconds = retryAfterSeconds + ((retryAfterSeconds == 1) ? " second." : " seconds.");
		switch (rejection.reason()) {
			case RATE_LIMITED -> {
				type = QUOTA_EXCEEDED;
				title = "Quota exceeded";
				detail = "Rate limiter '" + rejection.name() + "' refused the request; retry after " + seconds;
			}
			case OVERLOADED -> {
				type = TEMPORARY_REDUCED_CAPACITY;
				title = "Temporary reduced capacity";
				detail = "Load shedder '" + rejection.name()
						+ "' refused the request: the service is overloaded; retry after " + seconds;
			}
			default -> {
				type = TEMPORARY_REDUCED_CAPACITY;
				title = "Temporary reduced capacity";
				detail = "Circuit breaker '" + rejection.name() + "' is open; retry after " + seconds;
			}
		}
		StringBuilder json = new StringBuilder(256);
		json.append("{\"type\":");
		appendString(json, type);
		json.append(",\"title\":");
		appendString(json, title);
		json.append(",\"status\":").append(rejection.reason().status());
		json.append(",\"detail\":");
		appendString(json, detail);
		json.append(",\"violated-policies\":[");
		appendString(json, rejection.name());
		json.append("]}");
		return json.toString();
	}

	/** Appends a JSON string literal (RFC 8259 §7). */
	static void appendString(StringBuilder json, String value) {
		json.append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				case '\n' -> json.append("\\n");
				case '\r' -> json.append("\\r");
				case '\t' -> json.append("\\t");
				default -> {
					if (c < 0x20) {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		json.append('"');
	}

}
