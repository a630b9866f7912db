package ai.bitrouter.billing.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The binary COPY encoder against the real PostgreSQL: every value written is read back as the database's own text
 * form, which must be exactly the value meant. Numerics across the base-10,000 group boundaries and scales, timestamps
 * on both sides of PostgreSQL's epoch, text that text-mode COPY would have had to escape.
 */
@QuarkusTest
class CopyBinaryTest {

    @Inject
    DataSource db;

    @Test
    void numericsAreStoredDigitForDigitWithTheirScale() throws Exception {
        List<String> values = List.of("0", "0.00000", "1", "9999", "10000", "1234.5", "0.00001", "0.0001", "0.1",
                "12345678.12345", "100000000.00000", "6341331264.32050", "-1.5", "-0.00001", "25", "25.00",
                "123456789012345678901234567890.123456789", "99999999999999999999.99999");
        List<String> back = roundTrip("numeric", values.stream().map(BigDecimal::new).toList(),
                (copy, v) -> copy.numeric((BigDecimal) v));
        assertEquals(values, back);
    }

    @Test
    void aNegativeScaleIsWrittenAsTheWholeNumber() throws Exception {
        assertEquals(List.of("1000", "0"), roundTrip("numeric", List.of(new BigDecimal("1E+3"), new BigDecimal("0E+2")),
                (copy, v) -> copy.numeric((BigDecimal) v)));
    }

    @Test
    void timestampsAreExactToTheMicrosecondOnBothSidesOfPostgresEpoch() throws Exception {
        List<String> instants = List.of("2000-01-01T00:00:00Z", "1999-12-31T23:59:59.999999Z", "1970-01-01T00:00:00Z",
                "2024-02-29T23:59:59.999999Z", "2026-11-22T14:05:07.123456Z", "2099-12-31T00:00:00.000001Z");
        try (Connection c = db.getConnection()) {
            List<String> back = roundTrip(c, "timestamptz", instants.stream().map(Instant::parse).toList(),
                    (copy, v) -> copy.timestamptz((Instant) v),
                    "to_char(v AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
            List<String> expected = instants.stream()
                    .map(i -> Instant.parse(i).toString()).map(CopyBinaryTest::sixDigits).toList();
            assertEquals(expected, back);
        }
    }

    @Test
    void aSubMicrosecondInstantIsRefusedNotRounded() {
        assertThrows(IllegalArgumentException.class,
                () -> new CopyBinary((b, off, len) -> {
                }).row(1).timestamptz(Instant.parse("2026-01-01T00:00:00.0000005Z")));
    }

    @Test
    void textArrivesExactlyIncludingWhatTextModeEscapes() throws Exception {
        List<String> values = List.of("plain", "tab\there", "new\nline", "back\\slash", "\\N", "",
                "ns-'; DROP TABLE x;--\u00e9\u4e2d\ud83d\ude80\"", "cr\r");
        try (Connection c = db.getConnection()) {
            List<String> back = roundTrip(c, "text", values, (copy, v) -> copy.text((String) v), "v");
            assertEquals(values, back);
        }
    }

    @Test
    void rowsAndValuesLargerThanAChunkArriveWhole() throws Exception {
        // Streamed in chunks of CopyBinary.CHUNK: values that straddle a chunk's end, one value longer than a chunk,
        // and non-ASCII text (the UTF-8 path) of every length around the ASCII fast path's limit.
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            values.add("req_" + i + "_" + "x".repeat(i % 97));
        }
        values.add("y".repeat(CopyBinary.CHUNK * 3 + 17));
        for (int n = 250; n <= 262; n++) {
            values.add("é".repeat(n));
            values.add("a".repeat(n - 1) + "\u20ac");
            values.add("a".repeat(n));
        }
        values.add("\u0141ódź"); // chars whose low byte is ASCII: must not take the ASCII path
        try (Connection c = db.getConnection()) {
            List<String> back = roundTrip(c, "text", values, (copy, v) -> copy.text((String) v), "v");
            assertEquals(values.size(), back.size());
            assertEquals(values, back);
        }
    }

    @Test
    void anExceptionWhileEncodingCancelsTheCopyAndWritesNothing() throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE copy_cancel (v text)");
            try {
                assertThrows(IllegalStateException.class, () -> CopyBinary.copyIn(c,
                        "COPY copy_cancel FROM STDIN (FORMAT binary)", copy -> {
                            for (int i = 0; i < 10_000; i++) { // several chunks already sent
                                copy.row(1).text("row " + i);
                            }
                            throw new IllegalStateException("encoding failed");
                        }));
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM copy_cancel")) {
                    rs.next();
                    assertEquals(0, rs.getInt(1));
                }
            } finally {
                s.execute("DROP TABLE copy_cancel");
            }
        }
    }

    @Test
    void aNulCharacterIsRefusedByTheDatabaseAsData() throws Exception {
        try (Connection c = db.getConnection()) {
            SQLException e = assertThrows(SQLException.class,
                    () -> roundTrip(c, "text", List.of("nul\u0000here"), (copy, v) -> copy.text((String) v), "v"));
            // Class 22 (data exception): the consumer isolates such a row instead of retrying it.
            assertEquals("22", e.getSQLState().substring(0, 2), e.getMessage());
        }
    }

    @Test
    void nullsUuidsBooleansIntegersJsonbAndBytes() throws Exception {
        UUID id = UUID.fromString("0190f3c2-7a4e-7cc1-9a55-3f0e2d1c4b5a");
        byte[] digest = HexFormat.of().parseHex("00ff10abcdef");
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("CREATE TEMP TABLE copy_mixed (u uuid, b boolean, i4 integer, i8 bigint, j jsonb, by bytea,"
                    + " t text) ON COMMIT DROP");
            CopyBinary.copyIn(c, "COPY copy_mixed FROM STDIN (FORMAT binary)", copy -> {
                copy.row(7).uuid(id).bool(true).int4(2_147_483_647).int8(-9_000_000_000L)
                        .jsonb("{\"text\":\"0.25\",\"no_cache\":\"3\"}").bytea(digest).text("x");
                copy.row(7).uuid(null).bool(false).int4(null).int8((Long) null).jsonb(null).bytea(null).text(null);
            });
            List<String> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT concat_ws('|', coalesce(u::text, 'null'), b, coalesce(i4::text, 'null'),"
                    + " coalesce(i8::text, 'null'), coalesce(j->>'text', 'null'), coalesce(encode(by, 'hex'), 'null'),"
                    + " coalesce(t, 'null')) FROM copy_mixed ORDER BY b DESC")) {
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
            }
            c.rollback();
            c.setAutoCommit(true);
            assertEquals(List.of(id + "|t|2147483647|-9000000000|0.25|00ff10abcdef|x",
                    "null|f|null|null|null|null|null"), rows);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    interface Writer {
        void write(CopyBinary copy, Object value);
    }

    private List<String> roundTrip(String type, List<?> values, Writer writer) throws Exception {
        try (Connection c = db.getConnection()) {
            return roundTrip(c, type, values, writer, "v::text");
        }
    }

    private static List<String> roundTrip(Connection c, String type, List<?> values, Writer writer, String select)
            throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE copy_values (n integer, v " + type + ") ON COMMIT DROP");
            CopyBinary.copyIn(c, "COPY copy_values FROM STDIN (FORMAT binary)", copy -> {
                for (int i = 0; i < values.size(); i++) {
                    writer.write(copy.row(2).int4(i), values.get(i));
                }
            });
            List<String> back = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT " + select + " FROM copy_values ORDER BY n")) {
                while (rs.next()) {
                    back.add(rs.getString(1));
                }
            }
            return back;
        } finally {
            c.rollback();
            c.setAutoCommit(auto);
        }
    }

    /** Instant.toString without the zone, with the fraction as exactly six digits (to_char's .US). */
    private static String sixDigits(String s) {
        s = s.substring(0, s.length() - 1); // the Z
        int dot = s.indexOf('.');
        if (dot < 0) {
            return s + ".000000Z";
        }
        String frac = (s.substring(dot + 1) + "000000").substring(0, 6);
        return s.substring(0, dot) + "." + frac + "Z";
    }
}
