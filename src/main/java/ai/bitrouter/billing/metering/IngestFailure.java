package ai.bitrouter.billing.metering;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.concurrent.TimeoutException;

/**
 * What a failure in the consume path says about what to do next. Only a failure of the environment is worth
 * waiting for; a failure about the records is theirs (dead-lettered, the rest of the batch goes on); anything else is
 * a bug, retried a few times and then isolated to the record that triggers it, so that no record stops ingestion.
 */
enum IngestFailure {
    /** The database (or the way to it) is unavailable for now: retried with backoff for as long as it takes. */
    TRANSIENT,
    /** The database refuses the data (SQLSTATE 22, 23, 54): retrying the same rows cannot help; isolate them. */
    DATA,
    /** Anything else: retried a bounded number of times, then isolated and dead-lettered as unprocessable. */
    UNEXPECTED;

    /**
     * Decided by the first SQLSTATE on the cause chain (the database's own word), else by the kind of exception:
     * the driver's and the pool's connection failures (a closed connection, an acquisition timeout) carry none.
     */
    static IngestFailure of(Throwable e) {
        boolean connectionLevel = false;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().length() >= 2) {
                return ofSqlState(sql.getSQLState());
            }
            connectionLevel |= t instanceof SQLTransientException || t instanceof SQLRecoverableException
                    || t instanceof SQLNonTransientConnectionException || t instanceof IOException
                    || t instanceof TimeoutException || isConnectionMessage(t);
        }
        return connectionLevel ? TRANSIENT : UNEXPECTED;
    }

    static IngestFailure ofSqlState(String state) {
        return switch (state.substring(0, 2)) {
            // 08 connection exception, 40 transaction rollback (serialization failure, deadlock), 53 insufficient
            // resources (too many connections, disk full), 57 operator intervention (admin shutdown, cancel,
            // cannot connect now), 55 object not in prerequisite state (lock not available, a database that does not
            // accept connections for now), 58 system error (I/O).
            case "08", "40", "53", "55", "57", "58" -> TRANSIENT;
            // 22 data exception, 23 integrity constraint violation, 54 program limit exceeded (a row too large).
            case "22", "23", "54" -> DATA;
            default -> UNEXPECTED;
        };
    }

    /**
     * Agroal reports an exhausted pool and a closed data source with a plain SQLException (no SQLSTATE) or an
     * IllegalStateException; Narayana a transaction that timed out with its own message. Matched by message because
     * these are the only signs they give.
     */
    private static boolean isConnectionMessage(Throwable t) {
        String m = t.getMessage();
        if (m == null) {
            return false;
        }
        return m.contains("Acquisition timeout") || m.contains("acquisition timeout") || m.contains("connection has been closed")
                || m.contains("Connection is closed") || m.contains("This pool is closed")
                || m.contains("transaction is not active") || m.contains("ARJUNA016102");
    }

    /** For dlq-detail: the exception's class and message, and its root cause's if that is another one. */
    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String d = e.getClass().getName() + ": " + e.getMessage();
        if (root != e) {
            d += " (caused by " + root.getClass().getName() + ": " + root.getMessage() + ")";
        }
        return d.length() > 2000 ? d.substring(0, 2000) + "…" : d;
    }
}
