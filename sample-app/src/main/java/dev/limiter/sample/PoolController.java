package dev.limiter.sample;

import java.time.Duration;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An endpoint whose bottleneck is a small connection pool ({@link SimulatedDatabase}): {@code GET /pool} runs one
 * query, guarded by the {@code pool} load shedder; {@code GET /pool/unprotected} runs the same query with no rule,
 * the baseline that {@code scripts/overload-e2e.sh} compares the shedders against. Past the pool's capacity the
 * unprotected requests queue for a connection until every answer is late.
 */
@RestController
class PoolController {

	private final SimulatedDatabase database;

	PoolController(SimulatedDatabase database) {
		this.database = database;
	}

	@GetMapping(path = { "/pool", "/pool/unprotected" }, produces = "text/plain")
	String query() throws InterruptedException {
		Duration waited = this.database.query();
		return "queried after waiting " + waited.toMillis() + " ms for a connection\n";
	}

	@ExceptionHandler
	ResponseEntity<String> poolExhausted(SimulatedDatabase.PoolExhaustedException ex) {
		return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body(ex.getMessage() + "\n");
	}

}
