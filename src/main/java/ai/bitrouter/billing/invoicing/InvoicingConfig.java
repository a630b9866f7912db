package ai.bitrouter.billing.invoicing;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "bitrouter.invoicing")
public interface InvoicingConfig {

    /**
     * When the month close looks for work: hourly by default, so a run that met a Stripe outage resumes within the
     * hour. It closes the previous month once {@link #grace()} has passed since the month ended.
     */
    @WithDefault("0 17 * * * ?")
    String closeCron();

    /** Late events of a month arriving within this time after it ends land on its own invoice. */
    @WithDefault("PT6H")
    Duration grace();
}
