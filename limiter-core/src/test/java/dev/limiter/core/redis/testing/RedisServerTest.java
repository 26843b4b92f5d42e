package dev.limiter.core.redis.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that takes private Redis servers as parameters: {@link RedisServerProcess} (standalone, one per
 * test class) and {@link RedisClusterProcess} (three masters, one per test run). See {@link RedisServersExtension}.
 */
@Documented
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RedisServersExtension.class)
public @interface RedisServerTest {

}
