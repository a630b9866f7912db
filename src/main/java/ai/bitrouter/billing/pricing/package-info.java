/**
 * The pricing engine: from one usage event, the catalog in effect at the event's time and the pricing
 * policy in effect at that time, to an exact charge and the record of how it was reached.
 *
 * <p>Plain Java on purpose. The engine reads the catalog through {@link ai.bitrouter.billing.pricing.CatalogView}
 * and the program's numbers through {@link ai.bitrouter.billing.pricing.PricingPolicy}, so it knows nothing
 * of the database, the message bus or the web layer, and every rule is testable in milliseconds.
 * The rules are written up in {@code docs/pricing.md}.
 */
package ai.bitrouter.billing.pricing;
