package ai.bitrouter.billing.catalog;

import java.util.Locale;

/** Where a model's official price came from; stored and shown as the lower-case name. */
public enum OfficialSource {
    /** The listing of the first-party provider of the model's organisation. */
    VENDOR,
    /** The self-hosted listing divided by (1 − default open discount): the vendor lists no price. */
    DERIVED,
    /** Set explicitly by a billing admin; survives registry imports until changed by an admin. */
    ADMIN;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static OfficialSource fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
