package io.iommutracker.streams.api;

/** A resource method: one request in, one response out; problems are thrown as {@link ApiException}. */
@FunctionalInterface
public interface Handler {
    Response handle(Request request) throws Exception;
}
