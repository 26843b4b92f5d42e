package dev.limiter.boot.web;

import java.security.Principal;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.expression.EvaluationContext;
import org.springframework.expression.Expression;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.SimpleEvaluationContext;
import org.springframework.http.server.PathContainer;

/** The built-in key resolvers. */
final class KeyResolvers {

	static final SpelExpressionParser PARSER = new SpelExpressionParser();

	private static final EvaluationContext CONTEXT = SimpleEvaluationContext.forReadOnlyDataBinding()
		.withInstanceMethods()
		.build();

	private KeyResolvers() {
	}

	static @Nullable String principal(HttpServletRequest request) {
		Principal principal = request.getUserPrincipal();
		return (principal != null) ? principal.getName() : null;
	}

	/**
	 * Returns the path rules are matched against: within the application, percent-decoded, without path parameters
	 * ({@code ;name=value}). Uses the request's parsed path, which rule matching has already parsed and cached.
	 */
	static String path(HttpServletRequest request) {
		PathContainer path = RequestRule.pathWithinApplication(request);
		String raw = path.value();
		if (raw.indexOf('%') < 0 && raw.indexOf(';') < 0) {
			return raw;
		}
		StringBuilder decoded = new StringBuilder(raw.length());
		for (PathContainer.Element element : path.elements()) {
			decoded.append((element instanceof PathContainer.PathSegment segment) ? segment.valueToMatch()
					: element.value());
		}
		return decoded.toString();
	}

	static @Nullable String evaluate(Expression expression, HttpServletRequest request) {
		Object value = expression.getValue(CONTEXT, request);
		return (value != null) ? value.toString() : null;
	}

}
