package ai.bitrouter.billing.metering;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.EOFException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

/** Which failures of the consume path are waited for, which are the records', and which are bugs. */
class IngestFailureTest {

    @ParameterizedTest
    @CsvSource({
            "08006, TRANSIENT", "08003, TRANSIENT", "40001, TRANSIENT", "40P01, TRANSIENT", "53300, TRANSIENT",
            "53100, TRANSIENT", "57P01, TRANSIENT", "57P03, TRANSIENT", "57014, TRANSIENT", "55000, TRANSIENT",
            "55P03, TRANSIENT", "58030, TRANSIENT",
            "22021, DATA", "22003, DATA", "22P05, DATA", "23505, DATA", "23514, DATA", "54000, DATA",
            "42P01, UNEXPECTED", "42703, UNEXPECTED", "25P02, UNEXPECTED", "XX000, UNEXPECTED", "0A000, UNEXPECTED" })
    void bySqlState(String state, IngestFailure expected) {
        SQLException sql = new SQLException("x", state);
        assertEquals(expected, IngestFailure.of(sql));
        // however deep it is wrapped (the ledger's wrapper, the transaction interceptor's)
        assertEquals(expected, IngestFailure.of(new RuntimeException(new UsageLedger.LedgerException(sql))));
    }

    @Test
    void theFirstSqlStateOnTheChainDecides() {
        SQLException refused = new SQLException("invalid byte sequence", "22021");
        SQLException aborted = new SQLException("current transaction is aborted", "25P02", refused);
        assertEquals(IngestFailure.UNEXPECTED, IngestFailure.of(new RuntimeException(aborted)));
        assertEquals(IngestFailure.DATA, IngestFailure.of(new RuntimeException(refused)));
    }

    @Test
    void connectionFailuresWithoutASqlStateAreTransient() {
        assertEquals(IngestFailure.TRANSIENT, IngestFailure.of(new SQLException("Acquisition timeout while waiting for new connection")));
        assertEquals(IngestFailure.TRANSIENT, IngestFailure.of(new SQLTransientConnectionException("pool exhausted")));
        assertEquals(IngestFailure.TRANSIENT, IngestFailure.of(new RuntimeException(new EOFException())));
        assertEquals(IngestFailure.TRANSIENT, IngestFailure.of(new IllegalStateException("This pool is closed and does not handle any more connections!")));
        assertEquals(IngestFailure.TRANSIENT, IngestFailure.of(
                new PSQLException("This connection has been closed.", PSQLState.CONNECTION_DOES_NOT_EXIST)));
    }

    @Test
    void anythingElseIsABug() {
        assertEquals(IngestFailure.UNEXPECTED, IngestFailure.of(new IllegalStateException("no pricing policy in force at 0001-01-01T00:00:00Z")));
        assertEquals(IngestFailure.UNEXPECTED, IngestFailure.of(new NullPointerException()));
        assertEquals(IngestFailure.UNEXPECTED, IngestFailure.of(new ArithmeticException("overflow")));
        assertEquals(IngestFailure.UNEXPECTED, IngestFailure.of(new SQLException("no state")));
    }

    @Test
    void theDetailNamesTheExceptionAndItsRootCause() {
        assertEquals("java.lang.IllegalStateException: boom", IngestFailure.describe(new IllegalStateException("boom")));
        assertEquals("java.lang.RuntimeException: wrapped (caused by java.lang.ArithmeticException: overflow)",
                IngestFailure.describe(new RuntimeException("wrapped", new ArithmeticException("overflow"))));
        assertEquals(2001, IngestFailure.describe(new IllegalStateException("x".repeat(5000))).length());
    }
}
