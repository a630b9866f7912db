package ai.bitrouter.billing.metering;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import java.util.function.Consumer;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Rows in PostgreSQL's binary {@code COPY} format (the header, then per row a field count and each field as a length
 * and its binary value, then a trailer). Binary rather than text because on the ingestion benchmark the text form cost
 * twice: the JVM built and escaped a string for every column, and PostgreSQL parsed it back (timestamps, numerics,
 * JSON). Here a value is written once, in the form the column stores.
 *
 * <p>Values are exact: a timestamp must already be whole microseconds (the parser truncates event times to what the
 * database keeps), and a numeric is encoded digit for digit from its {@link BigDecimal}, scale included. Text is UTF-8;
 * a NUL character is refused by PostgreSQL as data (SQLSTATE 22021), as in text mode, so the consumer isolates that
 * row.
 */
final class CopyBinary {
    private static final byte[] SIGNATURE = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0 };
    /** Microseconds from the Unix epoch to PostgreSQL's epoch, 2000-01-01T00:00:00Z. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;
    private static final BigInteger TEN_THOUSAND = BigInteger.valueOf(10_000);
    private static final long[] POW10 = { 1, 10, 100, 1_000 };

    /** Where the bytes go: the open {@code COPY} in production, a byte stream in tests. */
    @FunctionalInterface
    interface Sink {
        void write(byte[] b, int off, int len) throws SQLException;
    }

    /** A failure of the sink, carried through the fluent calls; {@link #cause()} is what the database said. */
    static final class SinkFailed extends RuntimeException {
        SinkFailed(SQLException cause) {
            super(cause);
        }

        SQLException cause() {
            return (SQLException) getCause();
        }
    }

    /**
     * Rows are streamed in chunks of this size rather than built into one array per batch: a batch is ~1 MB, which
     * the G1 collector allocates as a "humongous" object (half a region or more), twice per batch with the final
     * copy. Each such allocation could start a concurrent marking cycle: the benchmark's GC log showed 72 of them.
     */
    static final int CHUNK = 64 * 1024;

    private final Sink sink;
    private final byte[] buf = new byte[CHUNK];
    private int len;

    /**
     * Runs {@code sql} (a {@code COPY ... FROM STDIN (FORMAT binary)}) with the rows {@code rows} writes, streamed
     * chunk by chunk. A database error (a unique or a data violation) is thrown as the database's
     * {@link SQLException}; an exception while encoding cancels the {@code COPY}.
     */
    static void copyIn(Connection c, String sql, Consumer<CopyBinary> rows) throws SQLException {
        CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
        try {
            CopyBinary copy = new CopyBinary(in::writeToCopy);
            rows.accept(copy);
            copy.finish();
            in.endCopy();
        } catch (SinkFailed e) {
            throw e.cause();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    CopyBinary(Sink sink) {
        this.sink = sink;
        put(SIGNATURE, 0, SIGNATURE.length);
        int32(0); // flags: no OIDs
        int32(0); // no header extension
    }

    CopyBinary row(int columns) {
        int16(columns);
        return this;
    }

    CopyBinary nul() {
        int32(-1);
        return this;
    }

    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): exactly the copy wanted for ASCII
    CopyBinary text(String s) {
        if (s == null) {
            return nul();
        }
        int n = s.length();
        if (n <= 256 && ascii(s, n)) {
            // Ids, model names, states: nearly always ASCII, whose UTF-8 is one byte per char. Copied straight into
            // the chunk, without a byte[] per value (15 text columns a row).
            ensure(4 + n);
            int32(n);
            s.getBytes(0, n, buf, len); // the low byte of each char, which for ASCII is its UTF-8
            len += n;
            return this;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int32(b.length);
        put(b, 0, b.length);
        return this;
    }

    private static boolean ascii(String s, int n) {
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** {@code jsonb}: a version byte (1) and the JSON text. */
    CopyBinary jsonb(String json) {
        if (json == null) {
            return nul();
        }
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        int32(b.length + 1);
        ensure(1);
        buf[len++] = 1;
        put(b, 0, b.length);
        return this;
    }

    CopyBinary bytea(byte[] b) {
        if (b == null) {
            return nul();
        }
        int32(b.length);
        put(b, 0, b.length);
        return this;
    }

    CopyBinary int8(long v) {
        int32(8);
        int64(v);
        return this;
    }

    CopyBinary int8(Long v) {
        return v == null ? nul() : int8(v.longValue());
    }

    CopyBinary int4(Integer v) {
        if (v == null) {
            return nul();
        }
        int32(4);
        int32(v);
        return this;
    }

    CopyBinary bool(Boolean v) {
        if (v == null) {
            return nul();
        }
        int32(1);
        ensure(1);
        buf[len++] = (byte) (v ? 1 : 0);
        return this;
    }

    CopyBinary uuid(UUID id) {
        if (id == null) {
            return nul();
        }
        int32(16);
        int64(id.getMostSignificantBits());
        int64(id.getLeastSignificantBits());
        return this;
    }

    /** {@code timestamptz}: microseconds since 2000-01-01 UTC. Refuses a sub-microsecond instant rather than round it. */
    CopyBinary timestamptz(Instant t) {
        if (t == null) {
            return nul();
        }
        if (t.getNano() % 1_000 != 0) {
            throw new IllegalArgumentException("timestamp " + t + " has a fraction below a microsecond");
        }
        int32(8);
        int64(Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000) - PG_EPOCH_MICROS);
        return this;
    }

    /**
     * {@code numeric}: base-10,000 digits around the decimal point, the weight of the first one, the sign and the
     * display scale. {@code 1234.5} is digits [1234, 5000], weight 0, scale 1.
     */
    CopyBinary numeric(BigDecimal d) {
        if (d == null) {
            return nul();
        }
        int scale = Math.max(0, d.scale());
        BigDecimal v = d.scale() < 0 ? d.setScale(0) : d;
        BigInteger unscaled = v.unscaledValue().abs();
        // Pad the fraction to whole groups of four digits so that the integer splits at the decimal point.
        int fractionGroups = (scale + 3) / 4;
        int pad = fractionGroups * 4 - scale;
        short[] groups = new short[8];
        int n = 0;
        if (unscaled.bitLength() <= 52) {
            // Every amount the ledger writes: long arithmetic (10^3 times 2^52 still fits).
            long aligned = unscaled.longValue() * POW10[pad];
            while (aligned > 0) {
                groups = room(groups, n);
                groups[n++] = (short) (aligned % 10_000);
                aligned /= 10_000;
            }
        } else {
            BigInteger aligned = unscaled.multiply(BigInteger.TEN.pow(pad));
            while (aligned.signum() > 0) {
                BigInteger[] qr = aligned.divideAndRemainder(TEN_THOUSAND);
                groups = room(groups, n);
                groups[n++] = qr[1].shortValue();
                aligned = qr[0];
            }
        }
        // groups[] is least significant first; the most significant has weight (n - 1 - fractionGroups).
        int weight = n - 1 - fractionGroups;
        int low = 0;
        while (low < n && groups[low] == 0) {
            low++; // trailing zero groups are implied by the scale
        }
        int ndigits = n - low;
        int32(8 + 2 * ndigits);
        int16(ndigits);
        int16(ndigits == 0 ? 0 : weight);
        int16(v.signum() < 0 ? 0x4000 : 0x0000);
        int16(scale);
        for (int i = n - 1; i >= low; i--) {
            int16(groups[i]);
        }
        return this;
    }

    private static short[] room(short[] groups, int n) {
        return n < groups.length ? groups : Arrays.copyOf(groups, n * 2);
    }

    /** Writes the trailer and hands the last chunk to the sink. */
    void finish() {
        int16(-1);
        flush();
    }

    private void flush() {
        if (len > 0) {
            try {
                sink.write(buf, 0, len);
            } catch (SQLException e) {
                throw new SinkFailed(e);
            }
            len = 0;
        }
    }

    private void int16(int v) {
        ensure(2);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
    }

    private void int32(int v) {
        ensure(4);
        buf[len++] = (byte) (v >>> 24);
        buf[len++] = (byte) (v >>> 16);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
    }

    private void int64(long v) {
        int32((int) (v >>> 32));
        int32((int) v);
    }

    private void put(byte[] b, int off, int n) {
        if (n > CHUNK) {
            flush();
            try {
                sink.write(b, off, n);
            } catch (SQLException e) {
                throw new SinkFailed(e);
            }
            return;
        }
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    /** Room for {@code n <= CHUNK} more bytes in the chunk. */
    private void ensure(int n) {
        if (len + n > CHUNK) {
            flush();
        }
    }
}
