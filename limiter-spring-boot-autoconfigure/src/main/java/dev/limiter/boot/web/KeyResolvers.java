package dev.limiter.boot.web;

import java.security.Principal;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.expression.EvaluationContext;
import org.springframework.expression.Expression;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.SimpleEvaluationContext;

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

	static String path(HttpServletRequest request) {
		String uri = request.getRequestURI();
		String contextPath = request.getContextPath();
		return (contextPath == null || contextPath.isEmpty()) ? uri : uri.substring(contextPath.length());
	}

	static @Nullable String evaluate(Expression expression, HttpServletRequest request) {
		Object value = expression.getValue(CONTEXT, request);
		return (value != null) ? value.toString() : null;
	}

}
