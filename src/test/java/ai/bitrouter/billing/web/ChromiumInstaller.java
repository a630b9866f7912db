package ai.bitrouter.billing.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes sure Debian's Chromium and its matching ChromeDriver are installed before a browser test starts, so the
 * browser tests run on a fresh CI machine (Debian, root) where nothing but the JDK is installed yet.
 *
 * <p>Idempotent: when both binaries exist it does nothing. Otherwise it runs {@code apt-get update} and
 * {@code apt-get install -y chromium chromium-driver} quietly (output kept for the error message only) and fails
 * with a message that says what to do when that is impossible (not root, no apt, no package mirror). Runs once per
 * JVM; concurrent callers wait for the first.
 *
 * <p>Plain Java with a {@code main}, so it can also be run alone: {@code java ChromiumInstaller.java}.
 */
public final class ChromiumInstaller {
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final long INSTALL_TIMEOUT_MINUTES = 15;

    private static boolean ready;

    private ChromiumInstaller() {
    }

    public static synchronized void ensureInstalled() {
        if (ready || installed()) {
            ready = true;
            return;
        }
        if (!Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            throw new IllegalStateException("browser tests need " + CHROMIUM + " and " + CHROMEDRIVER
                    + " (Debian packages chromium and chromium-driver), and there is no apt-get to install them");
        }
        run(List.of("apt-get", "update", "-qq"));
        run(List.of("apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", "chromium-driver"));
        if (!installed()) {
            throw new IllegalStateException("apt-get installed chromium and chromium-driver but " + CHROMIUM + " or "
                    + CHROMEDRIVER + " is still missing");
        }
        ready = true;
    }

    private static boolean installed() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    private static void run(List<String> command) {
        Path log;
        try {
            log = Files.createTempFile("chromium-install", ".log");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a log file for the Chromium install", e);
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process p = pb.start();
            if (!p.waitFor(INSTALL_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within "
                        + INSTALL_TIMEOUT_MINUTES + " minutes");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("browser tests need Debian's chromium and chromium-driver; `"
                        + String.join(" ", command) + "` failed with exit code " + p.exitValue()
                        + " (run the tests as root on Debian with a reachable package mirror, or install both "
                        + "packages first). Its output:\n" + tail(log));
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while installing Chromium", e);
        } finally {
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // a stray temp file is harmless
            }
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    public static void main(String[] args) {
        ensureInstalled();
        System.out.println("chromium and chromedriver are installed");
    }
}
