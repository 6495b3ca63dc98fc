package io.iommutracker.streams.api;

/** Header names of the API (lower-case: the JDK server hands them over in any case). */
public final class Headers {

    private Headers() {
    }

    /** The instance (advertised host:port) that read the store. */
    public static final String SERVED_BY = "x-served-by";
    /** "active" (the owner) or "standby" (a replica that may lag). */
    public static final String SERVED_FROM = "x-served-from";
    /** Upper bound on how far the answer may lag the changelog, in ms (0 for the owner). */
    public static final String STALENESS_MS = "x-staleness-ms";
    /** The staleness the caller accepted; also a request header equivalent to ?maxLagMs=. */
    public static final String MAX_LAG_MS = "x-max-lag-ms";
    /** Set on instance-to-instance requests: answer from the local stores, never forward again. */
    public static final String FORWARDED = "x-iommu-forwarded";
    /** The instances a forwarded answer passed through. */
    public static final String VIA = "x-forwarded-via";
}
