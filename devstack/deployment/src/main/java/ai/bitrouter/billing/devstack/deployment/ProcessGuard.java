package ai.bitrouter.billing.devstack.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

/**
 * Makes sure no server outlives the JVM that started it. A JVM killed with SIGKILL runs no shutdown hook, so each
 * server gets a small shell watchdog that polls this JVM's pid and stops the server's whole process group when the
 * JVM is gone. PID files let the next start stop leftovers of a run that was killed before its watchdog could act.
 */
final class ProcessGuard {
    private static final Logger LOG = Logger.getLogger(ProcessGuard.class);

    // $1 = pid to follow, $2 = target pid (process-group leader), $3 = signal for a polite stop.
    private static final String WATCHDOG = """
            #!/bin/sh
            parent=$1; target=$2; sig=$3
            while kill -0 "$parent" 2>/dev/null && kill -0 "$target" 2>/dev/null; do sleep 1; done
            kill -0 "$target" 2>/dev/null || exit 0
            kill -"$sig" -- -"$target" 2>/dev/null || kill -"$sig" "$target" 2>/dev/null
            i=0
            while [ $i -lt 20 ] && kill -0 "$target" 2>/dev/null; do sleep 1; i=$((i+1)); done
            kill -KILL -- -"$target" 2>/dev/null || kill -KILL "$target" 2>/dev/null
            exit 0
            """;

    private ProcessGuard() {
    }

    /** Starts a watchdog that stops {@code targetPid}'s process group with {@code signal} once this JVM has died. */
    static void watch(Path workDir, long targetPid, String signal) {
        try {
            Path script = workDir.resolve("watchdog.sh");
            if (!Files.exists(script)) {
                Files.createDirectories(workDir);
                Files.writeString(script, WATCHDOG);
                Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            List<String> cmd = new ArrayList<>(List.of("setsid", "sh", script.toString(),
                    Long.toString(ProcessHandle.current().pid()), Long.toString(targetPid), signal));
            new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the watchdog for pid " + targetPid, e);
        }
    }

    /** Stops a process left by an earlier run whose pid was recorded in {@code pidFile}, and removes the file. */
    static void stopLeftover(Path pidFile, String commandHint) {
        readPid(pidFile).flatMap(ProcessHandle::of).ifPresent(p -> {
            String cmd = p.info().commandLine().orElse("");
            if (!cmd.contains(commandHint)) {
                return; // the pid was reused by an unrelated process
            }
            LOG.warnf("Stopping a leftover server from an earlier run (pid %d)", p.pid());
            signalGroup(p.pid(), "TERM");
            awaitExit(p, 20);
            if (p.isAlive()) {
                signalGroup(p.pid(), "KILL");
                awaitExit(p, 5);
            }
        });
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Optional<Long> readPid(Path pidFile) {
        try {
            if (!Files.isRegularFile(pidFile)) {
                return Optional.empty();
            }
            String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").trim();
            return first.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(first));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Signals the whole process group led by {@code pid} (falls back to the single process). */
    static void signalGroup(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + pid).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (kill.waitFor() != 0) {
                new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void awaitExit(ProcessHandle p, int seconds) {
        try {
            p.onExit().get(seconds, TimeUnit.SECONDS);
        } catch (Exception e) {
            // still alive: the caller escalates
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
