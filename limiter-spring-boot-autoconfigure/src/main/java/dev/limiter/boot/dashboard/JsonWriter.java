package dev.limiter.boot.dashboard;

import org.jspecify.annotations.Nullable;

/**
 * Writes JSON into a string, escaping every string (names and keys come from requests). Commas are placed by the
 * writer; values are written after {@link #name} inside objects. Not thread-safe.
 */
final class JsonWriter {

	private static final char[] HEX = "0123456789abcdef".toCharArray();

	private final StringBuilder out;

	private boolean first = true;

	JsonWriter(int capacity) {
		this.out = new StringBuilder(capacity);
	}

	JsonWriter beginObject() {
		separate();
		this.out.append('{');
		this.first = true;
		return this;
	}

	JsonWriter endObject() {
		this.out.append('}');
		this.first = false;
		return this;
	}

	JsonWriter beginArray() {
		separate();
		this.out.append('[');
		this.first = true;
		return this;
	}

	JsonWriter endArray() {
		this.out.append(']');
		this.first = false;
		return this;
	}

	JsonWriter name(String name) {
		separate();
		string(name);
		this.out.append(':');
		this.first = true;
		return this;
	}

	JsonWriter value(@Nullable String value) {
		separate();
		if (value == null) {
			this.out.append("null");
		}
		else {
			string(value);
		}
		this.first = false;
		return this;
	}

	JsonWriter value(long value) {
		separate();
		this.out.append(value);
		this.first = false;
		return this;
	}

	JsonWriter value(boolean value) {
		separate();
		this.out.append(value);
		this.first = false;
		return this;
	}

	/**
	 * Writes a number, or {@code null} for NaN and infinities; whole numbers without a fraction.
	 * @param value the number
	 * @return this writer
	 */
	JsonWriter value(double value) {
		separate();
		if (Double.isNaN(value) || Double.isInfinite(value)) {
			this.out.append("null");
		}
		else if (value == Math.rint(value) && Math.abs(value) < 1e15) {
			this.out.append((long) value);
		}
		else {
			this.out.append((float) value);
		}
		this.first = false;
		return this;
	}

	JsonWriter field(String name, @Nullable String value) {
		return name(name).value(value);
	}

	JsonWriter field(String name, double value) {
		return name(name).value(value);
	}

	JsonWriter field(String name, long value) {
		return name(name).value(value);
	}

	JsonWriter field(String name, boolean value) {
		return name(name).value(value);
	}

	/**
	 * Appends JSON written elsewhere as one value.
	 * @param json a complete JSON value
	 * @return this writer
	 */
	JsonWriter raw(String json) {
		separate();
		this.out.append(json);
		this.first = false;
		return this;
	}

	private void separate() {
		if (!this.first) {
			this.out.append(',');
		}
		this.first = false;
	}

	private void string(String value) {
		this.out.append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> this.out.append("\\\"");
				case '\\' -> this.out.append("\\\\");
				case '\n' -> this.out.append("\\n");
				case '\r' -> this.out.append("\\r");
				case '\t' -> this.out.append("\\t");
				default -> {
					// also escapes '<' and '>' and the JavaScript line separators, so the text is safe anywhere
					if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029'
							|| Character.isSurrogate(c) && !validSurrogate(value, i)) {
						this.out.append("\\u")
							.append(HEX[(c >> 12) & 0xF])
							.append(HEX[(c >> 8) & 0xF])
							.append(HEX[(c >> 4) & 0xF])
							.append(HEX[c & 0xF]);
					}
					else {
						this.out.append(c);
					}
				}
			}
		}
		this.out.append('"');
	}

	private static boolean validSurrogate(String value, int i) {
		char c = value.charAt(i);
		if (Character.isHighSurrogate(c)) {
			return i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1));
		}
		return i > 0 && Character.isHighSurrogate(value.charAt(i - 1));
	}

	@Override
	public String toString() {
		return this.out.toString();
	}

}
