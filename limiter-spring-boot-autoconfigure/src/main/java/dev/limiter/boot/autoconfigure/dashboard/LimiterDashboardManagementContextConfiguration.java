package dev.limiter.boot.autoconfigure.dashboard;

import dev.limiter.boot.actuate.LimiterEndpoint;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnResource;
import org.springframework.context.annotation.Import;

/**
 * Serves the live dashboard in the management context, on the management port when there is one, at
 * {@code {management.endpoints.web.base-path}/limiter-dashboard}, with Spring MVC's or WebFlux's functional routes.
 * With Spring Security, the page is shown only to users its rules let read the {@code limiter} endpoint, its
 * controls only to those they let write to it, and writes carry their CSRF token.
 *
 * @author limiter
 * @since 0.1.0
 */
@ManagementContextConfiguration(value = ManagementContextType.ANY, proxyBeanMethods = false)
@ConditionalOnClass({ ConditionalOnAvailableEndpoint.class, JsonMapper.class })
@ConditionalOnAvailableEndpoint(LimiterEndpoint.class)
@ConditionalOnBooleanProperty(name = "limiter.dashboard.enabled", matchIfMissing = true)
@ConditionalOnResource(resources = LimiterDashboardAutoConfiguration.UPLOT)
@Import({ ServletDashboardConfiguration.class, ReactiveDashboardConfiguration.class })
public class LimiterDashboardManagementContextConfiguration {

}
