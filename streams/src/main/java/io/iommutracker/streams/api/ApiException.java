package io.iommutracker.streams.api;

/** A request that cannot be answered, with the status and the JSON error body {"error", "detail"} it maps to. */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String error;
    private final String detail;
    private final int retryAfterSeconds;

    public ApiException(int status, String error, String detail) {
        this(status, error, detail, 0);
    }

    public ApiException(int status, String error, String detail, int retryAfterSeconds) {
        super(status + " " + error + ": " + detail);
        this.status = status;
        this.error = error;
        this.detail = detail;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException badRequest(String error, String detail) {
        return new ApiException(400, error, detail);
    }

    public static ApiException notFound(String error, String detail) {
        return new ApiException(404, error, detail);
    }

    public static ApiException unavailable(String detail) {
        return new ApiException(503, "unavailable", detail, 1);
    }

    public static ApiException notImplemented(String detail) {
        return new ApiException(501, "not_implemented", detail);
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public String detail() {
        return detail;
    }

    /** Seconds for a Retry-After header; 0 = none. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
