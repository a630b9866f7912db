package ai.bitrouter.billing.devstack.deployment;

/**
 * Stops and starts the devstack's in-JVM broker (same ports, same data) from a fault test, through JMX under
 * {@code ai.bitrouter.devstack:type=Kafka}. Only JDK types, so callers in any class loader can use it.
 */
public interface KafkaControlMBean {
    /** Shuts the broker down (its data stays); returns the milliseconds it took. */
    long stop();

    /** Starts it again on the same ports with the same data; returns the milliseconds it took. */
    long start();

    boolean isRunning();

    String getBootstrapServers();
}
