package ai.bitrouter.billing.devstack.deployment;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.jboss.logging.Logger;

import io.quarkus.deployment.builditem.Startable;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

/**
 * A real Apache Kafka broker (KRaft, combined broker + controller) running inside this JVM, so it dies with it:
 * the quickest way to a real broker here (a child JVM took three times as long to start).
 *
 * <p>Fault tests stop and restart it through JMX ({@link KafkaControlMBean}, object name {@link #MBEAN}): the test
 * code lives in another class loader than this extension, and JMX is the one channel both see with JDK types only.
 * A restart keeps the ports, the cluster id and the log directory, as a restarted production broker would.
 */
final class KafkaServer implements Startable {
    static final String MBEAN = "ai.bitrouter.devstack:type=Kafka";

    private static final Logger LOG = Logger.getLogger(KafkaServer.class);

    private final Path logDir;
    private final int partitions;
    private KafkaRaftServer server;
    private KafkaConfig config;
    private int port;

    KafkaServer(Path workDir, int partitions) {
        this.logDir = workDir.resolve("kafka");
        this.partitions = partitions;
    }

    @Override
    public void start() {
        ProcessGuard.deleteTree(logDir);
        port = Ports.free();
        int controllerPort = Ports.free();
        long t0 = System.nanoTime();
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", Integer.toString(partitions));
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("min.insync.replicas", "1");
        p.put("default.replication.factor", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        // The topics' max.message.bytes of kafka/topics.properties, for the topics this broker creates on first use.
        p.put("message.max.bytes", "2097152");
        p.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
        try {
            Files.createDirectories(logDir);
            Path propsFile = logDir.getParent().resolve("kafka.properties");
            try (var out = Files.newBufferedWriter(propsFile)) {
                p.store(out, "devstack broker");
            }
            ByteArrayOutputStream formatLog = new ByteArrayOutputStream();
            int rc = kafka.tools.StorageTool.execute(
                    new String[] { "format", "-t", Uuid.randomUuid().toString(), "-c", propsFile.toString() },
                    new PrintStream(formatLog, true, StandardCharsets.UTF_8));
            if (rc != 0) {
                throw new IllegalStateException("kafka storage format failed: " + formatLog.toString(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        config = KafkaConfig.fromProps(p, false);
        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        registerControl();
        Runtime.getRuntime().addShutdownHook(new Thread(this::closeQuietly, "devstack-kafka-stop"));
        LOG.infof("Kafka ready on 127.0.0.1:%d in %d ms", port, (System.nanoTime() - t0) / 1_000_000);
    }

    private void registerControl() {
        try {
            MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(MBEAN);
            if (jmx.isRegistered(name)) { // a previous dev-mode instance of this extension
                jmx.unregisterMBean(name);
            }
            jmx.registerMBean(new StandardMBean(new KafkaControlMBean() {
                @Override
                public long stop() {
                    long t0 = System.nanoTime();
                    stopBroker();
                    return (System.nanoTime() - t0) / 1_000_000;
                }

                @Override
                public long start() {
                    long t0 = System.nanoTime();
                    startBroker();
                    return (System.nanoTime() - t0) / 1_000_000;
                }

                @Override
                public boolean isRunning() {
                    synchronized (KafkaServer.this) {
                        return server != null;
                    }
                }

                @Override
                public String getBootstrapServers() {
                    return bootstrapServers();
                }
            }, KafkaControlMBean.class), name);
        } catch (Exception e) {
            LOG.warn("Kafka control MBean not registered; broker restarts from tests are unavailable", e);
        }
    }

    private synchronized void stopBroker() {
        if (server == null) {
            return;
        }
        withBrokerClassLoader(() -> {
            server.shutdown();
            server.awaitShutdown();
        });
        server = null;
        LOG.info("Kafka stopped (data kept) on request");
    }

    private synchronized void startBroker() {
        if (server != null || config == null) {
            return;
        }
        withBrokerClassLoader(() -> {
            KafkaRaftServer s = new KafkaRaftServer(config, Time.SYSTEM);
            s.startup();
            server = s;
        });
        LOG.infof("Kafka restarted on 127.0.0.1:%d", port);
    }

    /**
     * The caller is a test thread whose context class loader is the application's, without the broker's classes;
     * the broker loads some of its plugins by name through it (a restart failed on its share-group persister) and its
     * threads inherit it.
     */
    private static void withBrokerClassLoader(Runnable action) {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(KafkaServer.class.getClassLoader());
        try {
            action.run();
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    @Override
    public String getConnectionInfo() {
        return bootstrapServers();
    }

    @Override
    public String getContainerId() {
        return null;
    }

    private void closeQuietly() {
        try {
            close();
        } catch (Exception e) {
            LOG.debug("Kafka stop", e);
        }
    }

    @Override
    public synchronized void close() {
        config = null; // no restart after the end of the run
        try {
            MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(MBEAN);
            if (jmx.isRegistered(name)) {
                jmx.unregisterMBean(name);
            }
        } catch (Exception e) {
            LOG.debug("Kafka control MBean", e);
        }
        if (server == null) {
            ProcessGuard.deleteTree(logDir);
            return;
        }
        KafkaRaftServer s = server;
        server = null;
        // A broker whose clients are already gone can spend long in controlled shutdown; bound it.
        CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> {
            s.shutdown();
            s.awaitShutdown();
        });
        try {
            stop.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("Kafka did not stop within 30 s; the JVM exit will end it");
        }
        ProcessGuard.deleteTree(logDir);
    }
}
