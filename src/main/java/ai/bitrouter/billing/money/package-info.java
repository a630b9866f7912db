/**
 * The product's single money type and the only place where amounts are rounded.
 *
 * <p>Amounts are exact {@link java.math.BigDecimal} micro-USD. Rounding happens at exactly three
 * boundaries, all in {@link ai.bitrouter.billing.money.Rounding}: integer micro-USD for the wire formats
 * the BitRouter CLI/SDK reads, cents for an invoice total, and the fixed precision of a derived rate.
 * Plain Java on purpose: no framework type may leak in, so the rules stay testable in milliseconds.
 */
package ai.bitrouter.billing.money;
