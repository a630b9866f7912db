package ai.bitrouter.billing.pricing;

import java.util.Locale;
import java.util.Objects;

/**
 * A glob over model ids where {@code *} matches any run of characters (slashes included), e.g.
 * {@code openai/gpt-*}. Matching ignores case: a closed family must never be discounted because an event
 * spelled its vendor differently.
 */
public record ModelPattern(String glob) {

    public ModelPattern {
        Objects.requireNonNull(glob, "glob");
        if (glob.isBlank()) {
            throw new IllegalArgumentException("a model pattern must not be blank");
        }
        glob = glob.toLowerCase(Locale.ROOT);
    }

    public boolean matches(String modelId) {
        String text = modelId.toLowerCase(Locale.ROOT);
        int g = 0;
        int t = 0;
        int starAt = -1;
        int textAtStar = 0;
        // Greedy match with backtracking to the last star: linear in practice, no regex compilation.
        while (t < text.length()) {
            if (g < glob.length() && glob.charAt(g) == '*') {
                starAt = g++;
                textAtStar = t;
            } else if (g < glob.length() && glob.charAt(g) == text.charAt(t)) {
                g++;
                t++;
            } else if (starAt >= 0) {
                g = starAt + 1;
                t = ++textAtStar;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }

    @Override
    public String toString() {
        return glob;
    }
}
