package ai.bitrouter.billing.devstack.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Picks the working directory of this run's servers: the first of {@code <base>}, {@code <base>-2}, ... whose lock
 * file no live process holds. Two runs in one checkout (a test run beside dev mode, or two test runs) therefore
 * never share a database directory or stop each other's servers, while one run after another reuses the same
 * directory (and its unpacked Keycloak). The operating system drops the lock when the JVM dies, even on
 * {@code kill -9}, so a crashed run's slot is free again and the next run cleans up what it left.
 */
final class RunSlot {
    private static final int MAX_SLOTS = 8;

    private RunSlot() {
    }

    private static void release(FileLock lock) {
        try {
            lock.channel().close();
        } catch (IOException e) {
            // exiting anyway; the operating system drops the lock
        }
    }

    static synchronized Path acquire(Path base) {
        // Outside the "bitrouter.devstack." namespace: SmallRye Config validates every system property under a
        // config root's prefix, so a key there fails the re-augmentation of a @TestProfile's restart.
        String key = "bitrouter-devstack-slot:" + base;
        // Dev mode re-runs build steps on live reload, possibly in a new class loader: keep the slot of this JVM.
        // (JDK types only: a class of this extension would differ between those class loaders.)
        String held = System.getProperty(key);
        if (held != null) {
            return Path.of(held);
        }
        for (int i = 1; i <= MAX_SLOTS; i++) {
            Path dir = i == 1 ? base : base.resolveSibling(base.getFileName() + "-" + i);
            try {
                Files.createDirectories(dir);
                FileChannel channel = FileChannel.open(dir.resolve("slot.lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null;
                }
                if (lock == null) {
                    channel.close();
                    continue;
                }
                // The map keeps the channel reachable for the JVM's life; a collected channel would drop the lock.
                // The JVM keeps shutdown hooks reachable until exit, so the lock cannot be collected (and released)
                // while this run lives; system properties must hold strings only (libraries copy them).
                FileLock acquired = lock;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> release(acquired), "devstack-slot-release"));
                System.setProperty(key, dir.toString());
                return dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("all " + MAX_SLOTS + " devstack slots under " + base.getParent() + " are in use");
    }
}
