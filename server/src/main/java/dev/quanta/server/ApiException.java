package dev.quanta.server;

/**
 * A request that cannot be served, with what the client is told: the HTTP status and OpenAI's error
 * fields ({@code {"error": {"message", "type", "param", "code"}}}).
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final Integer retryAfterSeconds;

    public ApiException(int status, String type, String code, String param, String message, Integer retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: a field is missing, of the wrong type or out of range. */
    public static ApiException badRequest(String param, String message) {
        return new ApiException(400, "invalid_request_error", null, param, message, null);
    }

    /** 401: a missing or wrong API key. */
    public static ApiException unauthorized() {
        return new ApiException(401, "invalid_request_error", "invalid_api_key", null,
                "Incorrect or missing API key: send it as 'Authorization: Bearer KEY'", null);
    }

    /** 404: a model this server does not serve. */
    public static ApiException modelNotFound(String model, String served) {
        return new ApiException(404, "invalid_request_error", "model_not_found", "model",
                "The model '" + model + "' does not exist; this server serves '" + served + "'", null);
    }

    /** 404: a path this server does not serve. */
    public static ApiException notFound(String what) {
        return new ApiException(404, "invalid_request_error", "not_found", null, what, null);
    }

    /** 413: the body is larger than the server accepts. */
    public static ApiException tooLarge(long limit) {
        return new ApiException(413, "invalid_request_error", "request_too_large", null,
                "Request body is larger than " + limit + " bytes", null);
    }

    /** 503 with Retry-After: every slot is busy and the waiting queue is full. */
    public static ApiException busy(String message) {
        return new ApiException(503, "server_error", "server_busy", null, message, 1);
    }

    /** 500: the engine failed. */
    public static ApiException internal(String message) {
        return new ApiException(500, "server_error", null, null, message, null);
    }

    public int status() { return status; }
    public String type() { return type; }
    public String param() { return param; }
    public String code() { return code; }
    /** Seconds for a Retry-After header, or null. */
    public Integer retryAfterSeconds() { return retryAfterSeconds; }
}
