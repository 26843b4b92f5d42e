package dev.limiter.core.window;

/**
 * Receives the buckets of a {@link RollingWindow}, one call per bucket, from the oldest to the newest.
 *
 * @see RollingWindow#reduce(BucketVisitor)
 */
@FunctionalInterface
public interface BucketVisitor {

	/**
	 * Visits one bucket.
	 * @param sum the sum of the values added to the bucket
	 * @param count how many values were added to the bucket
	 */
	void visit(double sum, long count);

}
