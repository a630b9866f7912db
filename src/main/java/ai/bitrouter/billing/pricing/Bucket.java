package ai.bitrouter.billing.pricing;

/** The five token buckets; {@link #code()} is the name used in reasons and stored records. */
public enum Bucket {
    UNCACHED_INPUT("uncached_input"),
    CACHE_READ("cache_read"),
    CACHE_WRITE("cache_write"),
    OUTPUT("output"),
    REASONING("reasoning");

    private final String code;

    Bucket(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
